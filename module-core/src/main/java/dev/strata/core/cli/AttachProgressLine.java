package dev.strata.core.cli;

import dev.strata.api.TenantId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import java.io.PrintStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * While a call that attaches a tenant runs, a progress line on standard error (timelines and layers loaded of
 * total, from {@code GET /v1/tenant/{id}/attach_progress}) redrawn every 200 ms, when standard error is a
 * terminal; nothing otherwise, so scripts and logs get only the command's own output.
 */
final class AttachProgressLine {
    private static final long INTERVAL_MILLIS = 200;

    private AttachProgressLine() {}

    /** Runs {@code call}, drawing the progress of {@code tenant}'s attach meanwhile when on a terminal. */
    static <T> T whileRunning(StrataClient client, TenantId tenant, Supplier<T> call) {
        PrintStream out = System.console() != null ? System.err : null;
        if (out == null) {
            return call.get();
        }
        AtomicBoolean done = new AtomicBoolean();
        int[] width = {0};
        try (ExecutorService poller = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> polling = poller.submit(() -> {
                while (!done.get()) {
                    try {
                        Thread.sleep(INTERVAL_MILLIS);
                        String line = "tenant " + tenant + " " + client.attachProgress(tenant).describe();
                        synchronized (width) {
                            if (!done.get()) {
                                out.print("\r" + line + " ".repeat(Math.max(0, width[0] - line.length())));
                                out.flush();
                                width[0] = Math.max(width[0], line.length());
                            }
                        }
                    } catch (StrataClientException e) {
                        // Not on the node yet (404), or a transient answer: the next poll tries again.
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try {
                return call.get();
            } finally {
                synchronized (width) {
                    done.set(true);
                    if (width[0] > 0) {
                        out.print("\r" + " ".repeat(width[0]) + "\r");
                        out.flush();
                    }
                }
                polling.cancel(true);
            }
        }
    }
}
