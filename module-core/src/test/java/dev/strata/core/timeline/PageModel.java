package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.core.page.PageWrite;
import dev.strata.core.page.Redo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The expected pages of one timeline at every acknowledged LSN, built by applying the same records. */
final class PageModel {
    private final Redo redo = new Redo(List.of());
    private final NavigableMap<Long, Map<Key, byte[]>> states = new TreeMap<>();

    PageModel(Lsn start, Map<Key, byte[]> initial) {
        states.put(start.value(), Map.copyOf(initial));
    }

    static PageModel branchOf(PageModel parent, Lsn at) {
        return new PageModel(at, parent.stateAt(at));
    }

    void apply(List<PageWrite> batch, Lsn commit) {
        Map<Key, byte[]> next = new HashMap<>(states.lastEntry().getValue());
        for (PageWrite write : batch) {
            next.put(write.key(), redo.apply(next.get(write.key()), write.record()));
        }
        states.put(commit.value(), Map.copyOf(next));
    }

    Map<Key, byte[]> stateAt(Lsn lsn) {
        return states.floorEntry(lsn.value()).getValue();
    }

    byte[] page(Key key, Lsn lsn) {
        return stateAt(lsn).get(key);
    }

    List<Long> lsns() {
        return List.copyOf(states.keySet());
    }

    Lsn last() {
        return Lsn.of(states.lastKey());
    }
}
