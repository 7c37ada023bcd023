package dev.strata.core.failpoint;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Named points in the write, flush, compaction and GC paths where tests (and, later, operators over HTTP)
 * inject failures. A point that is not configured costs one map lookup.
 *
 * <p>One instance belongs to one engine; {@link #disabled()} gives an instance that ignores every point.
 */
public final class Failpoints {
    private final Map<String, State> points = new ConcurrentHashMap<>();
    private final boolean enabled;

    private Failpoints(boolean enabled) {
        this.enabled = enabled;
    }

    public static Failpoints create() {
        return new Failpoints(true);
    }

    public static Failpoints disabled() {
        return new Failpoints(false);
    }

    /** Sets (or with {@code off} clears) the action of a point. Releases threads paused at it. */
    public void configure(String name, String actions) {
        Objects.requireNonNull(name, "name is null");
        FailpointAction action = FailpointAction.parse(actions);
        State previous = action.kind() == FailpointAction.Kind.OFF ? points.remove(name) : points.put(name, new State(action));
        if (previous != null) {
            previous.release();
        }
    }

    /** Clears every point and releases every paused thread. */
    public void clear() {
        for (String name : points.keySet()) {
            configure(name, "off");
        }
    }

    /**
     * Evaluates a point.
     *
     * @throws FailpointException for {@code return}
     * @throws FailpointPanic for {@code panic}
     */
    public void hit(String name) throws IOException {
        if (!enabled) {
            return;
        }
        State state = points.get(name);
        if (state == null || !state.fires()) {
            return;
        }
        FailpointAction action = state.action;
        switch (action.kind()) {
            case OFF -> { }
            case RETURN -> throw new FailpointException(name, action.value());
            case SLEEP -> sleep(action.sleepMillis());
            case PAUSE -> state.awaitRelease();
            case PANIC -> throw new FailpointPanic(name);
            case EXIT -> {
                System.err.println("failpoint " + name + ": exit");
                Runtime.getRuntime().halt(97);
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in failpoint sleep", e);
        }
    }

    private static final class State {
        final FailpointAction action;
        private long remaining;
        private boolean released;

        State(FailpointAction action) {
            this.action = action;
            this.remaining = action.remaining();
        }

        synchronized boolean fires() {
            if (remaining == 0) {
                return false;
            }
            if (action.percent() < 100 && ThreadLocalRandom.current().nextInt(100) >= action.percent()) {
                return false;
            }
            if (remaining > 0) {
                remaining--;
            }
            return true;
        }

        synchronized void awaitRelease() throws IOException {
            while (!released) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while paused at a failpoint", e);
                }
            }
        }

        synchronized void release() {
            released = true;
            notifyAll();
        }
    }
}
