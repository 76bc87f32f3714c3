package cae.train;

import cae.io.ProgressBar;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.metrics.Psnr;
import cae.model.Activations;
import cae.model.Autoencoder;
import cae.model.Denoiser;
import cae.profile.Ranges;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores a model on a set of images with fixed noise (docs/SPEC.md §3.6): the mean loss over all pixels and the mean
 * per-image PSNR of the noisy input and of the denoised output against the clean image. The noise
 * comes from a fixed seed, so every model is scored on the same noisy images.
 */
public final class Evaluation {
    public static final long NOISE_SEED = 0x5EED_7E57L;
    public static final int BATCH = 250;

    /** Mean loss, mean per-image PSNRs, and the mean checkerboard scores of the outputs and of the clean images. */
    public record Result(int images, double loss, double psnrNoisy, double psnrDenoised,
                         double checkerboardDenoised, double checkerboardClean) {
        /** As the model file's metadata records a run's test scores (docs/SPEC.md §5.1). */
        public java.util.Map<String, String> metadata() {
            java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
            m.put("test_images", Integer.toString(images));
            m.put("test_loss", Double.toString(loss));
            m.put("test_psnr_noisy_db", Double.toString(psnrNoisy));
            m.put("test_psnr_denoised_db", Double.toString(psnrDenoised));
            m.put("test_checkerboard_denoised", Double.toString(checkerboardDenoised));
            return m;
        }
    }

    /** The first {@code count} test images as clean / noisy / denoised, for pictures: each channels planes of height x width. */
    public record Samples(int count, int channels, int height, int width, float[] clean, float[] noisy, float[] denoised) {
        public List<float[]> cleanImages() { return images(clean); }

        public List<float[]> noisyImages() { return images(noisy); }

        public List<float[]> denoisedImages() { return images(denoised); }

        /** One array per image out of count images laid one after another. */
        private List<float[]> images(float[] all) {
            int plane = channels * height * width;
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < count; i++) images.add(Arrays.copyOfRange(all, i * plane, (i + 1) * plane));
            return images;
        }
    }

    private final Engine engine;
    private final Autoencoder model;
    private final Noise noise;
    private final Ranges ranges;
    private int crop;

    /** Scored on Gaussian noise of this sigma. */
    public Evaluation(Autoencoder model, float noise) { this(model, Noise.gaussian(noise), Ranges.NONE); }

    /** With {@code ranges} naming each scoring ("evaluation"), its batches ("evaluation batch") and each {@link #samples} ("samples"). */
    public Evaluation(Autoencoder model, Noise noise, Ranges ranges) {
        this.engine = model.engine();
        this.model = model;
        this.noise = noise;
        this.ranges = ranges;
    }

    /**
     * Scores a crop of {@code side} x {@code side} of each image (at a position drawn from the image's
     * index, the same every time), for images of any sizes; 0 (the default) scores whole images, which
     * then share one size.
     */
    public Evaluation crops(int side) {
        crop = side;
        return this;
    }

    public Result score(ImageSet images) { return score(images, null); }

    /** Scored on {@code noisyTwins}, the real noisy versions of {@code images}, in place of synthetic noise where not null. */
    public Result score(ImageSet images, ImageSet noisyTwins) { return score(images, noisyTwins, scored -> {}); }

    /** The same, telling {@code progress} after each batch how many images are scored so far. */
    public Result score(ImageSet images, ImageSet noisyTwins, java.util.function.LongConsumer progress) {
        ranges.push("evaluation");
        try {
            return scoreAll(images, noisyTwins, progress);
        } finally {
            ranges.pop();
        }
    }

    /**
     * {@link #score} with a progress bar on {@code out} ("scoring: [###...] 2500/10000 images"; plain
     * lines where {@code terminal} is false), cleared when done.
     */
    public Result score(ImageSet images, PrintStream out, boolean terminal, String what) { return score(images, null, out, terminal, what); }

    /** The same on {@code noisyTwins} where not null. */
    public Result score(ImageSet images, ImageSet noisyTwins, PrintStream out, boolean terminal, String what) {
        ProgressBar bar = ProgressBar.of(out, terminal, what, "images", images.count(), 1);
        try {
            return score(images, noisyTwins, bar::update);
        } finally {
            bar.clear();
        }
    }

    private int height(ImageSet images) { return crop > 0 ? crop : images.height(); }

    private int width(ImageSet images) { return crop > 0 ? crop : images.width(); }

    private Sampling sampling(ImageSet images, ImageSet noisyTwins) {
        return new Sampling(images, noisyTwins, noisyTwins != null ? Noise.NONE : noise, crop > 0, false, NOISE_SEED);
    }

    private Result scoreAll(ImageSet images, ImageSet noisyTwins, java.util.function.LongConsumer progress) {
        int count = images.count(), h = height(images), w = width(images), plane = images.channels() * h * w;
        Sampling sampling = sampling(images, noisyTwins);
        identityOrder(count);
        double lossSum = 0, psnrNoisySum = 0, psnrDenoisedSum = 0, checkerDenoised = 0, checkerClean = 0;
        int fullSize = Math.min(BATCH, count);
        try (Batch full = new Batch(fullSize, h, w); Batch tail = count % fullSize == 0 ? null : new Batch(count % fullSize, h, w)) {
            for (int from = 0; from < count; from += fullSize) {
                Batch b = from + fullSize <= count ? full : tail;
                b.run(sampling, from);
                lossSum += b.loss() * b.size * plane;
                for (int i = 0; i < b.size; i++) {
                    psnrNoisySum += psnr(b.clean, b.noisy, i * plane, plane);
                    psnrDenoisedSum += psnr(b.clean, b.denoised, i * plane, plane);
                    checkerDenoised += Checkerboard.score(b.denoised, i * plane, h, w);
                    checkerClean += Checkerboard.score(b.clean, i * plane, h, w);
                }
                progress.accept(from + b.size);
            }
        }
        return new Result(count, lossSum / ((double) count * plane), psnrNoisySum / count, psnrDenoisedSum / count,
                checkerDenoised / count, checkerClean / count);
    }

    public Samples samples(ImageSet images, int count) { return samples(images, null, count); }

    /** The first {@code count} images (or their crops), noisy (their real twins where given) and denoised. */
    public Samples samples(ImageSet images, ImageSet noisyTwins, int count) {
        count = Math.min(count, images.count());
        ranges.push("samples");
        try (Batch b = new Batch(count, height(images), width(images))) {
            identityOrder(images.count());
            b.run(sampling(images, noisyTwins), 0);
            return new Samples(count, images.channels(), height(images), width(images), b.clean, b.noisy, b.denoised);
        } finally {
            ranges.pop();
        }
    }

    /** The model's output for one constant image (grey level {@code value}), e.g. to see artifacts that do not come from the data. */
    public static float[] constantInputOutput(Autoencoder model, int height, int width, float value) {
        float[] grey = new float[height * width];
        Arrays.fill(grey, value);
        try (Denoiser denoiser = new Denoiser(model, 1, height, width)) {
            return denoiser.denoise(List.of(grey))[0];
        }
    }

    /** 10 log10(1 / MSE) for pixels in [0, 1] ({@link Psnr}, 100 dB for an exact match). */
    static double psnr(float[] reference, float[] image, int offset, int length) {
        return Psnr.of(reference, image, offset, length);
    }

    private void identityOrder(int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        engine.setOrder(order);
    }

    /** One batch's tensors on the engine (given back by close) and its clean / noisy / denoised pixels on the host. */
    private final class Batch implements AutoCloseable {
        final int size;
        final Activations activations;
        final Tensor cleanTensor, dLogits, outputTensor, lossTensor;
        final float[] clean, noisy, denoised, loss = new float[1];
        /** The same object every batch, so the engine can replay it (CUDA graphs). */
        private final Runnable ops = this::queue;
        private Sampling sampling;
        private int from;

        Batch(int size, int h, int w) {
            this.size = size;
            activations = model.activations(size, h, w, false);
            int channels = model.arch.channels();
            cleanTensor = engine.zeros(size, channels, h, w);
            dLogits = engine.zeros(size, channels, h, w);
            outputTensor = engine.zeros(size, channels, h, w);
            lossTensor = engine.zeros(1);
            clean = new float[size * channels * h * w];
            noisy = new float[size * channels * h * w];
            denoised = new float[size * channels * h * w];
        }

        void run(Sampling sampling, int from) {
            this.sampling = sampling;
            this.from = from;
            ranges.push("evaluation batch");
            try {
                engine.step(ops);
                engine.read(cleanTensor, clean);
                engine.read(activations.input, noisy);
                engine.read(outputTensor, denoised);
                engine.read(lossTensor, loss);
            } finally {
                ranges.pop();
            }
        }

        private void queue() {
            engine.gather(sampling, from, cleanTensor, activations.input, from);
            model.reconstruct(activations, outputTensor);
            model.loss(activations, cleanTensor, dLogits, lossTensor, 0);
        }

        double loss() { return loss[0]; }

        @Override public void close() {
            activations.release();
            for (Tensor t : new Tensor[] {cleanTensor, dLogits, outputTensor, lossTensor}) engine.release(t);
        }
    }
}
