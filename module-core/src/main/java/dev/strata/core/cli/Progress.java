package dev.strata.core.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display for long commands, redrawn at most every 200 ms on standard error when it is a
 * terminal; silent otherwise, so scripts and logs get only the command's own output.
 */
final class Progress {
    private final PrintStream out;
    private final String what;
    private final long total;
    private final long started = System.nanoTime();
    private long lastDraw;

    private Progress(PrintStream out, String what, long total) {
        this.out = out;
        this.what = what;
        this.total = total;
    }

    /** A progress line for {@code total} units of {@code what}, drawn only on a terminal. */
    static Progress start(String what, long total) {
        return new Progress(System.console() != null ? System.err : null, what, total);
    }

    void update(long done, long bytes) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        int width = 30;
        int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
        out.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d %s, %.1f MiB/s", "#".repeat(filled), " ".repeat(width - filled),
                done, total, what, bytes / 1048576.0 / seconds));
        out.flush();
    }

    void finish() {
        if (out != null) {
            out.println();
        }
    }
}
