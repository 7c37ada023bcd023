package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class ReadAheadTest {
    private static PageEntry entry(int i) {
        return new PageEntry(Key.ofRelationPage(1663, 1, 1, 0, i), Lsn.of(0x100 + i), new PageRecord.Init(0));
    }

    @Test
    void theConsumerSeesEverySourceEntryInOrder() throws IOException {
        int count = ReadAhead.BATCH * ReadAhead.DEPTH * 3 + 17; // more than the queue holds, not a whole batch
        AtomicInteger produced = new AtomicInteger();
        List<PageEntry> seen = new ArrayList<>();
        try (ReadAhead input = new ReadAhead("test", () -> {
            int i = produced.getAndIncrement();
            return i < count ? entry(i) : null;
        })) {
            PageEntry next;
            while ((next = input.next()) != null) {
                seen.add(next);
            }
            assertNull(input.next(), "the end stays the end");
        }
        assertEquals(count, seen.size());
        for (int i = 0; i < count; i++) {
            assertEquals(entry(i), seen.get(i));
        }
    }

    @Test
    void aSourceFailureIsThrownAfterTheEntriesBeforeIt() throws IOException {
        AtomicInteger produced = new AtomicInteger();
        try (ReadAhead input = new ReadAhead("test", () -> {
            int i = produced.getAndIncrement();
            if (i == 300) {
                throw new IOException("block 7 of layer X fails its checksum");
            }
            return entry(i);
        })) {
            for (int i = 0; i < 300; i++) {
                assertEquals(entry(i), input.next());
            }
            IOException failure = assertThrows(IOException.class, input::next);
            assertEquals("block 7 of layer X fails its checksum", failure.getMessage());
        }
    }

    @Test
    void closingEarlyStopsTheReadAheadThread() {
        AtomicInteger produced = new AtomicInteger();
        ReadAhead input = new ReadAhead("test", () -> entry(produced.getAndIncrement()));
        input.close(); // returns only once the thread has stopped, though the source never ends
        int after = produced.get();
        assertTrue(after <= (ReadAhead.DEPTH + 2) * ReadAhead.BATCH, "the thread stopped at the full queue: " + after);
        assertEquals(after, produced.get(), "nothing is read after close");
    }
}
