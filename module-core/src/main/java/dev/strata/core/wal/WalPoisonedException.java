package dev.strata.core.wal;

import java.io.IOException;

/**
 * The WAL refused an append or a wait because an earlier write or force failed. After a failed {@code force()}
 * the kernel may have dropped dirty pages and cleared the error (the "fsyncgate" lesson), so a later force that
 * succeeds proves nothing: the only safe course is to stop acknowledging, close, and reopen, which replays what
 * is really on disk. The cause is the original failure.
 */
public final class WalPoisonedException extends IOException {
    WalPoisonedException(String message, Throwable cause) {
        super(message, cause);
    }
}
