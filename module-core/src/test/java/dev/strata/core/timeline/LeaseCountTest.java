package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class LeaseCountTest {

    @Test
    void stripeCountIsAPowerOfTwoWithFourPerProcessorWithinFourAndSixtyFour() {
        assertEquals(4, LeaseCount.stripeCount(1));
        assertEquals(8, LeaseCount.stripeCount(2));
        assertEquals(16, LeaseCount.stripeCount(3));
        assertEquals(16, LeaseCount.stripeCount(4));
        assertEquals(64, LeaseCount.stripeCount(16));
        assertEquals(64, LeaseCount.stripeCount(512));
    }

    @Test
    void anUncontendedCountStaysAtTheSharedCounter() {
        LeaseCount count = new LeaseCount();
        assertTrue(count.isZero());
        int first = count.increment();
        int second = count.increment();
        assertEquals(LeaseCount.SHARED, first);
        assertEquals(LeaseCount.SHARED, second);
        count.decrement(first);
        assertFalse(count.isZero(), "one lease is still held");
        count.decrement(second);
        assertTrue(count.isZero());
        assertFalse(count.striped());
    }

    @Test
    void aStripedCountSeesALeaseTakenBeforeItGrewAndOnesTakenAfter() {
        LeaseCount count = new LeaseCount(true);
        int striped = count.increment();
        assertTrue(striped >= 0, "a striped count counts on a stripe, got slot " + striped);
        assertFalse(count.isZero());
        count.decrement(striped);
        assertTrue(count.isZero());
    }

    /**
     * Threads take and give back leases as fast as they can while one lease is held throughout; a checker
     * calls {@code isZero} all the while. It must never see zero, and must see zero once everything is given back.
     */
    @Test
    void isZeroIsNeverTrueWhileALeaseIsHeldUnderConcurrentLeases() throws Exception {
        for (boolean startStriped : new boolean[] {false, true}) {
            LeaseCount count = new LeaseCount(startStriped);
            int held = count.increment();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong wrongZeros = new AtomicLong();
            AtomicLong checks = new AtomicLong();
            CountDownLatch started = new CountDownLatch(4);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    while (!stop.get()) {
                        int a = count.increment();
                        int b = count.increment();
                        count.decrement(a);
                        count.decrement(b);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().start(() -> {
                started.countDown();
                while (!stop.get()) {
                    checks.incrementAndGet();
                    if (count.isZero()) {
                        wrongZeros.incrementAndGet();
                    }
                }
            }));
            started.await();
            Thread.sleep(300);
            stop.set(true);
            for (Thread thread : threads) {
                thread.join();
            }
            assertTrue(checks.get() > 0, "the checker ran");
            assertEquals(0, wrongZeros.get(), "isZero was true while a lease was held (striped from the start: "
                    + startStriped + ")");
            assertFalse(count.isZero());
            count.decrement(held);
            assertTrue(count.isZero(), "every lease was given back");
        }
    }
}
