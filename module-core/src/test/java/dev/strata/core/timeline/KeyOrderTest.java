package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Key;
import dev.strata.core.testing.RandomSeed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The index sort agrees with {@link Key#compareTo} for every size around its run and merge boundaries. */
final class KeyOrderTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();

    @Test
    void sortsLikeKeyCompareTo(Random random) {
        for (int n : new int[] {0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1_000, 4_097, 20_000}) {
            List<Key> keys = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Keys that differ in every part, with signs that a signed comparison would get wrong.
                keys.add(switch (random.nextInt(3)) {
                    case 0 -> new Key(random.nextLong(), random.nextLong(), random.nextInt(0x10000));
                    case 1 -> new Key(random.nextInt(3) - 1L, random.nextInt(3) - 1L, random.nextInt(0x10000));
                    default -> Key.ofRelationPage(1663, 1, random.nextInt(4), 0, random.nextInt());
                });
            }
            long[] highs = keys.stream().mapToLong(Key::high).toArray();
            long[] middles = keys.stream().mapToLong(Key::middle).toArray();
            int[] lows = keys.stream().mapToInt(Key::low).toArray();
            int[] order = IntStream.range(0, n).toArray();
            KeyOrder.sort(order, highs, middles, lows);
            List<Key> sorted = IntStream.of(order).mapToObj(keys::get).toList();
            List<Key> expected = keys.stream().sorted(Comparator.naturalOrder()).toList();
            assertEquals(expected, sorted, "order of " + n + " keys");
            assertEquals(n, IntStream.of(order).distinct().count(), "a permutation of " + n + " numbers");
        }
    }
}
