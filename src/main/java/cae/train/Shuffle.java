package cae.train;

import java.util.SplittableRandom;

/** The epoch's image order: a Fisher-Yates shuffle that depends only on (seed, epoch) (docs/SPEC.md §3.2). */
public final class Shuffle {
    private Shuffle() {}

    public static void order(long seed, long epoch, int[] order) { order(seed, epoch, order, order.length); }

    /**
     * The order of an epoch in which each of {@code images} images comes order.length / images times
     * (its crops): the list 0, 1, ..., images - 1, 0, 1, ... shuffled; with one sample per image the
     * plain shuffle above.
     */
    public static void order(long seed, long epoch, int[] order, int images) {
        for (int i = 0; i < order.length; i++) order[i] = i % images;
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
    }
}
