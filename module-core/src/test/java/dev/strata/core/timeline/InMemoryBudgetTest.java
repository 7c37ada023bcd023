package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The node-wide budget's arithmetic, fair share and waiting, without an engine. */
class InMemoryBudgetTest {
    private static final long MIB = 1L << 20;

    @Test
    void aWriterFreezesOnlyWhenTheNodeIsOverBudgetAndItHoldsItsFairShare() {
        InMemoryBudget budget = new InMemoryBudget(8 * MIB);
        InMemoryBudget.Account small = budget.account();
        InMemoryBudget.Account large = budget.account();
        small.grew(1 * MIB);
        large.grew(3 * MIB);
        assertFalse(budget.shouldFreeze(3 * MIB), "4 MiB of 8 is within the budget");
        large.grew(8 * MIB);
        assertEquals(9 * MIB, budget.usedBytes());
        // Two open layers: the fair share is 8 MiB / (2 * 2) = 2 MiB.
        assertFalse(budget.shouldFreeze(1 * MIB), "the small writer is under its fair share");
        assertTrue(budget.shouldFreeze(8 * MIB), "the large writer is over its fair share");
        assertEquals(1, budget.budgetFreezes());
        assertFalse(budget.shouldFreeze(0), "an empty layer is never frozen");
    }

    @Test
    void accountsMoveBytesFromOpenToFrozenAndReleaseThemOnFlushAndOnClose() {
        InMemoryBudget budget = new InMemoryBudget(64 * MIB);
        InMemoryBudget.Account account = budget.account();
        account.grew(5 * MIB);
        account.froze(5 * MIB);
        assertEquals(5 * MIB, budget.usedBytes());
        assertEquals(5 * MIB, budget.frozenBytes());
        account.grew(2 * MIB);
        account.froze(3 * MIB);
        assertEquals(8 * MIB, budget.frozenBytes(), "a freeze reports the layer's final size");
        account.grew(1 * MIB);
        account.flushed(5 * MIB);
        assertEquals(3 * MIB, budget.frozenBytes());
        assertEquals(4 * MIB, budget.usedBytes());
        account.close();
        assertEquals(0, budget.usedBytes(), "a closed timeline holds nothing");
        assertEquals(0, budget.frozenBytes());
        account.close();
        account.grew(7 * MIB);
        account.flushed(3 * MIB);
        assertEquals(0, budget.usedBytes(), "close is idempotent and a closed account reports nothing");
        // The open-layer count went back to zero: a lone new writer's fair share is half the budget.
        InMemoryBudget.Account next = budget.account();
        next.grew(65 * MIB);
        assertFalse(budget.shouldFreeze(31 * MIB));
        assertTrue(budget.shouldFreeze(32 * MIB));
    }

    @Test
    void aWriterWaitsWhileFrozenLayersFillTheBudgetAndGoesOnAfterAFlush() throws Exception {
        InMemoryBudget budget = new InMemoryBudget(2 * MIB);
        InMemoryBudget.Account account = budget.account();
        account.froze(3 * MIB);
        AtomicInteger retries = new AtomicInteger();
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return budget.awaitRoom(retries::incrementAndGet, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> waiting.get(300, TimeUnit.MILLISECONDS), "no room yet");
        account.flushed(3 * MIB);
        assertNull(waiting.get(10, TimeUnit.SECONDS));
        assertTrue(retries.get() >= 1, "the writer asked for its flush to be retried while it waited");
        assertTrue(budget.stalledNanos() > 0, "the wait is counted");
        assertNull(budget.awaitRoom(() -> { }, Duration.ZERO), "room: no wait");
    }

    @Test
    void aWriterGivesUpWithTheReasonWhenNoFlushFinishes() throws Exception {
        InMemoryBudget budget = new InMemoryBudget(2 * MIB);
        budget.account().froze(2 * MIB);
        String stall = budget.awaitRoom(() -> { }, Duration.ofMillis(250));
        assertTrue(stall != null && stall.contains("in_memory_layer_bytes") && stall.contains("2097152 bytes"), stall);
    }

    @Test
    void theDefaultIsHalfTheHeapBesideTheBlockCacheAndTooSmallALimitIsRefused() {
        assertEquals(320 * MIB, InMemoryBudget.defaultLimit(1024 * MIB, 384 * MIB));
        assertEquals(InMemoryBudget.MIN_DEFAULT_BYTES, InMemoryBudget.defaultLimit(256 * MIB, 256 * MIB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InMemoryBudget(4096));
        assertTrue(e.getMessage().contains("in_memory_layer_bytes") && e.getMessage().contains("4096"), e.getMessage());
    }
}
