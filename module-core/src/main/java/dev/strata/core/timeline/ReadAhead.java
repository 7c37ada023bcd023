package dev.strata.core.timeline;

import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Entries of a source, produced on a thread of their own in batches, so that reading, checking and decoding the
 * inputs of a compaction overlaps encoding and writing its outputs: a pass then uses two cores instead of one.
 * The consumer sees exactly the source's entries in the source's order; a failure of the source is thrown from
 * {@link #next()} after the entries before it. At most {@value #DEPTH} batches of {@value #BATCH} entries are
 * held. Not thread-safe: one consumer.
 */
final class ReadAhead implements AutoCloseable {
    /** Where entries come from (called on the read-ahead thread only). */
    interface Source {
        /** The next entry, or null at the end. */
        PageEntry next() throws IOException;
    }

    static final int BATCH = 256;
    static final int DEPTH = 8;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(DEPTH);
    private final Thread thread;
    private volatile boolean stopped;
    private List<PageEntry> batch = List.of();
    private int position;
    private boolean ended;

    ReadAhead(String name, Source source) {
        Objects.requireNonNull(source, "source is null");
        thread = Thread.ofVirtual().name(name).start(() -> produce(source));
    }

    private void produce(Source source) {
        Object last = END;
        List<PageEntry> next = new ArrayList<>(BATCH);
        try {
            PageEntry entry;
            while (!stopped && (entry = source.next()) != null) {
                next.add(entry);
                if (next.size() == BATCH) {
                    put(next);
                    next = new ArrayList<>(BATCH);
                }
            }
        } catch (Throwable failure) {
            last = failure;
        }
        if (!next.isEmpty()) {
            put(next); // the entries before a failure come first
        }
        put(last);
    }

    /** Hands {@code item} to the consumer, unless the consumer has gone ({@link #close}). */
    private void put(Object item) {
        try {
            while (!stopped) {
                if (queue.offer(item, 50, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The next entry, or null after the last one.
     *
     * @throws IOException what the source threw (after every entry before the failure was returned)
     */
    PageEntry next() throws IOException {
        while (position == batch.size()) {
            if (ended) {
                return null;
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for compaction input");
            }
            if (item == END) {
                ended = true;
                return null;
            }
            if (item instanceof Throwable failure) {
                ended = true;
                switch (failure) {
                    case IOException io -> throw io;
                    case UncheckedIOException unchecked -> throw unchecked.getCause();
                    case RuntimeException runtime -> throw runtime;
                    case Error error -> throw error;
                    default -> throw new IOException("compaction input failed", failure);
                }
            }
            @SuppressWarnings("unchecked")
            List<PageEntry> entries = (List<PageEntry>) item;
            batch = entries;
            position = 0;
        }
        return batch.get(position++);
    }

    /** Stops the read-ahead thread and waits for it, so the source may be closed after this returns. */
    @Override
    public void close() {
        stopped = true;
        queue.clear();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
