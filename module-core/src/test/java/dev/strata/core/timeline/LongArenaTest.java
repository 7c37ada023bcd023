package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Records keep their numbers and values across chunk boundaries; chunks double from a small first one. */
final class LongArenaTest {
    @Test
    void recordsKeepTheirValuesAcrossChunks() {
        LongArena arena = new LongArena(3, "versions");
        int records = 100_000;
        for (int i = 0; i < records; i++) {
            int number = arena.append();
            assertEquals(i, number);
            arena.set(number, 0, i);
            arena.set(number, 1, -i);
            arena.setRelease(number, 2, 7L * i);
        }
        long[][] chunks = arena.chunks();
        for (int i = 0; i < records; i++) {
            assertEquals(i, arena.get(chunks, i, 0));
            assertEquals(-i, arena.get(chunks, i, 1));
            assertEquals(7L * i, arena.getAcquire(chunks, i, 2));
        }
        assertEquals(records, arena.count());
        // 64 + 128 + ... records: the arrays hold at most twice what is used (plus the first chunk).
        assertTrue(arena.allocatedBytes() <= 2L * 8 * 3 * records + 8 * 3 * LongArena.FIRST, "" + arena.allocatedBytes());
    }

    @Test
    void chunkNumbersFollowTheDoublingSizes() {
        assertEquals(0, LongArena.chunkOf(0));
        assertEquals(0, LongArena.chunkOf(LongArena.FIRST - 1));
        assertEquals(1, LongArena.chunkOf(LongArena.FIRST));
        assertEquals(1, LongArena.chunkOf(3 * LongArena.FIRST - 1));
        assertEquals(2, LongArena.chunkOf(3 * LongArena.FIRST));
        for (int chunk = 0; chunk < 22; chunk++) {
            int first = LongArena.firstOf(chunk);
            assertEquals(chunk, LongArena.chunkOf(first), "first record of chunk " + chunk);
            assertEquals(chunk, LongArena.chunkOf(first + (LongArena.FIRST << chunk) - 1), "last record of chunk " + chunk);
        }
        assertThrows(IllegalArgumentException.class, () -> new LongArena(0, "nothing"));
    }
}
