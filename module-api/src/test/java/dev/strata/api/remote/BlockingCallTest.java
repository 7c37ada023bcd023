package dev.strata.api.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A blocking backend call: checked before, interrupted on cancellation, classified, and the interrupt cleared. */
class BlockingCallTest {
    private static final BlockingCall.Classifier CLASSIFY = failure ->
            new RemoteStorageException.Transient("get", "k", "classified: " + failure, null, failure);

    @Test
    void aCancelledContextRunsNothing() {
        CancellationSource source = new CancellationSource();
        source.cancel();
        AtomicBoolean ran = new AtomicBoolean();
        assertThrows(RemoteStorageException.Cancelled.class, () -> BlockingCall.run("get", "k",
                new CallContext(source, Deadline.NONE), () -> ran.getAndSet(true), CLASSIFY));
        assertFalse(ran.get());
    }

    @Test
    void failuresGoThroughTheClassifierAndResultsThrough() throws RemoteStorageException {
        assertEquals("value", BlockingCall.run("get", "k", CallContext.NONE, () -> "value", CLASSIFY));
        IOException failure = new IOException("connection reset");
        RemoteStorageException.Transient thrown = assertThrows(RemoteStorageException.Transient.class,
                () -> BlockingCall.run("get", "k", CallContext.NONE, () -> {
                    throw failure;
                }, CLASSIFY));
        assertSame(failure, thrown.getCause());
    }

    @Test
    void cancellingInterruptsTheBlockedCallAndTheInterruptDoesNotLeak() throws Exception {
        CancellationSource source = new CancellationSource();
        CountDownLatch blocked = new CountDownLatch(1);
        AtomicBoolean interruptLeaked = new AtomicBoolean(true);
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                BlockingCall.run("get", "k", new CallContext(source, Deadline.NONE), () -> {
                    blocked.countDown();
                    Thread.sleep(60_000);
                    return null;
                }, CLASSIFY);
            } catch (RemoteStorageException e) {
                interruptLeaked.set(Thread.currentThread().isInterrupted());
            }
        });
        assertTrue(blocked.await(10, java.util.concurrent.TimeUnit.SECONDS));
        source.cancel();
        caller.join(10_000);
        assertFalse(caller.isAlive(), "the cancellation interrupted the blocked call");
        assertFalse(interruptLeaked.get(), "the interrupt was cleared after the call");
    }
}
