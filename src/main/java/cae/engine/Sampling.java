package cae.engine;

/**
 * How {@link Engine#gather} makes a training batch from a set of images: which images (and, for
 * real noisy/clean pairs, the noisy twin of each), the noise, and whether each sample is a random
 * crop of the batch tensor's size with random flips. Crop positions and flips are drawn by
 * {@link #crop} from a counter stream of their own, so a batch depends only on (seed, step, sample).
 *
 * @param paired the noisy twins of {@code images} (same sizes), or null to corrupt with {@code noise}
 * @param crop   each sample is a crop of the batch's size at a random position (else whole images of
 *               that size)
 * @param flips  each sample is flipped left-right and up-down with odds 1/2 each
 */
public record Sampling(ImageSet images, ImageSet paired, Noise noise, boolean crop, boolean flips, long seed) {
    public Sampling {
        if (images == null) throw new IllegalArgumentException("the images must be given");
        if (noise == null) throw new IllegalArgumentException("the noise must be given (Noise.NONE for none)");
        if (paired != null && noise.any()) throw new IllegalArgumentException("real noisy images take no synthetic noise, got " + noise);
        if (paired != null && (paired.count() != images.count() || paired.channels() != images.channels()))
            throw new IllegalArgumentException("the noisy images do not pair with the clean ones: " + paired.count() + " against " + images.count());
    }

    /** Whole images, no flips, synthetic noise: what IDX data (MNIST) trains with. */
    public static Sampling whole(ImageSet images, Noise noise, long seed) { return new Sampling(images, null, noise, false, false, seed); }

    /**
     * Where sample {@code sample} of the batch at {@code step} is cut from an image of {@code height} x
     * {@code width} for a crop of {@code cropHeight} x {@code cropWidth}, and its flips, into
     * {@code into}: {y, x, flip left-right (0 or 1), flip up-down (0 or 1)}; {@code words} is scratch of 4.
     */
    public static void crop(long seed, long step, int sample, int height, int width, int cropHeight, int cropWidth,
                            boolean flips, int[] words, int[] into) {
        Philox.block(sample, (int) step, (int) (step >>> 32), Philox.CROP_STREAM, (int) seed, (int) (seed >>> 32), words);
        into[0] = (int) (((words[0] & 0xFFFFFFFFL) * (height - cropHeight + 1)) >>> 32);
        into[1] = (int) (((words[1] & 0xFFFFFFFFL) * (width - cropWidth + 1)) >>> 32);
        into[2] = flips ? words[2] & 1 : 0;
        into[3] = flips ? (words[2] >>> 1) & 1 : 0;
    }
}
