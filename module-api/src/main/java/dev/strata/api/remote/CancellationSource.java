package dev.strata.api.remote;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** A {@link Cancellation} that its owner fires with {@link #cancel()}. Thread-safe. */
public final class CancellationSource implements Cancellation {
    private final Set<Runnable> actions = new LinkedHashSet<>();
    private boolean cancelled;

    /** Fires the signal: every registered action runs once, in this thread. Later calls do nothing. */
    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = List.copyOf(actions);
            actions.clear();
        }
        for (Runnable action : toRun) {
            action.run();
        }
    }

    @Override
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    @Override
    public Registration onCancel(Runnable action) {
        Objects.requireNonNull(action, "action is null");
        // A fresh wrapper per registration, so the same action registered twice is removed independently.
        Runnable entry = action::run;
        synchronized (this) {
            if (!cancelled) {
                actions.add(entry);
                return () -> {
                    synchronized (CancellationSource.this) {
                        actions.remove(entry);
                    }
                };
            }
        }
        action.run();
        return () -> {};
    }

    @Override
    public synchronized String toString() {
        return "CancellationSource[cancelled=" + cancelled + "]";
    }
}
