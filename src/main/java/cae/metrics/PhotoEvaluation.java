package cae.metrics;

import cae.data.ImageFolder;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.model.Autoencoder;
import cae.model.TiledDenoiser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a model on photographs of any size (docs/SPEC.md §3.7): for each image of a part of an
 * {@link ImageFolder}, its noisy input, the model's output (through the {@link TiledDenoiser}, clipped
 * to [0, 1] as it is when it becomes pixels) and the Gaussian blur baseline, each scored against the
 * clean image by PSNR and SSIM, and the means over the images.
 *
 * <p>The noisy input is fixed per image, so every model meets the same noisy images: the part's real
 * noisy twin when it has them (and then no synthetic noise), else the clean image corrupted by the
 * {@link Noise} with element k = (channel x H + row) x W + column drawn for (seed, step = the image's
 * index in the part, k) by {@link Noise#applyAll}, as the CPU engine's gather draws it: what gather
 * gives for a batch of that one whole image at that step.
 *
 * <p>One image is held at a time, as at most three float copies (clean, noisy, and the blurred or the
 * denoised one), so memory grows with the largest image, not the number of images.
 */
public final class PhotoEvaluation {
    /** Told after each image: how many are done, of how many. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total) -> { };

        void update(int done, int total);
    }

    /** One image's scores (dB for PSNR) of the noisy input, the denoised output and the blurred input. */
    public record Row(String name, int height, int width, double psnrNoisy, double psnrDenoised, double psnrBlur,
                      double ssimNoisy, double ssimDenoised, double ssimBlur) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("height", height);
            m.put("width", width);
            putScores(m, psnrNoisy, psnrDenoised, psnrBlur, ssimNoisy, ssimDenoised, ssimBlur);
            return m;
        }
    }

    /**
     * The rows in the part's order and their means; {@code noise} says what the inputs were ("real noisy
     * twins" or the noise's text).
     */
    public record Result(List<Row> rows, String noise, double blurSigma, double psnrNoisy, double psnrDenoised, double psnrBlur,
                         double ssimNoisy, double ssimDenoised, double ssimBlur) {
        public int images() { return rows.size(); }

        /**
         * The entries for metrics.json, in this order: images, noise, blur_sigma, psnr_noisy_db,
         * psnr_denoised_db, psnr_blur_db, ssim_noisy, ssim_denoised, ssim_blur, and per_image (a list of
         * each row's name, height, width and the same six scores).
         */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("images", rows.size());
            m.put("noise", noise);
            m.put("blur_sigma", blurSigma);
            putScores(m, psnrNoisy, psnrDenoised, psnrBlur, ssimNoisy, ssimDenoised, ssimBlur);
            List<Map<String, Object>> perImage = new ArrayList<>();
            for (Row r : rows) perImage.add(r.toMap());
            m.put("per_image", perImage);
            return m;
        }
    }

    /** The six scores under the names metrics.json gives them, for one image and for the means alike. */
    private static void putScores(Map<String, Object> m, double psnrNoisy, double psnrDenoised, double psnrBlur,
                                  double ssimNoisy, double ssimDenoised, double ssimBlur) {
        m.put("psnr_noisy_db", psnrNoisy);
        m.put("psnr_denoised_db", psnrDenoised);
        m.put("psnr_blur_db", psnrBlur);
        m.put("ssim_noisy", ssimNoisy);
        m.put("ssim_denoised", ssimDenoised);
        m.put("ssim_blur", ssimBlur);
    }

    /** What {@link Result#noise} says when the inputs are the part's real noisy twins. */
    public static final String REAL_NOISY_TWINS = "real noisy twins";

    private final TiledDenoiser denoiser;
    private final Noise noise;
    private final long seed;

    /** The model through a {@link TiledDenoiser} of the default tile. */
    public PhotoEvaluation(Autoencoder model, Noise noise, long seed) { this(new TiledDenoiser(model), noise, seed); }

    /** @param noise the synthetic noise (ignored for a part with real noisy twins); {@code seed} its draws' seed */
    public PhotoEvaluation(TiledDenoiser denoiser, Noise noise, long seed) {
        if (noise == null) throw new IllegalArgumentException("the noise must be given (Noise.NONE for none)");
        this.denoiser = denoiser;
        this.noise = noise;
        this.seed = seed;
    }

    /** Image {@code index} of the part as pixels / 255. */
    public static FloatImage clean(ImageFolder.Part part, int index) { return image(part.pixels(), index); }

    /** Image {@code index}'s noisy input: its real noisy twin, or the clean image with this evaluation's noise (see the class). */
    public FloatImage noisy(ImageFolder.Part part, int index) {
        if (part.noisy() != null) return image(part.noisy(), index);
        FloatImage clean = clean(part, index);
        float[] c = clean.values(), v = new float[c.length];
        noise.applyAll(c, 0, v, 0, c.length, seed, index, 0, new int[4], new float[2]);
        return new FloatImage(clean.channels(), clean.height(), clean.width(), v);
    }

    /**
     * The blur width of {@code grid} ({@link GaussianBlur#GRID} by default) that gives the best mean PSNR
     * on the part's images with this evaluation's noisy inputs: the baseline's width, chosen on
     * validation images.
     */
    public GaussianBlur.Choice chooseBlur(ImageFolder.Part validation, double[] grid) {
        return GaussianBlur.choose(validation.count(), i -> new GaussianBlur.Pair(clean(validation, i), noisy(validation, i)), grid);
    }

    /**
     * Scores every image of the part (at least one, each at least 11 x 11 pixels for SSIM's window, else
     * {@link IllegalArgumentException} naming it before any work), the blur baseline at {@code blurSigma};
     * {@code progress} is told after each image.
     */
    public Result evaluate(ImageFolder.Part part, double blurSigma, Progress progress) {
        int count = part.count();
        if (count < 1) throw new IllegalArgumentException("nothing to evaluate: the part has no images");
        if (part.pixels().channels() != denoiser.channels())
            throw new IllegalArgumentException("a model of " + denoiser.channels() + " channel(s) given images of " + part.pixels().channels());
        String tooSmall = tooSmall(part);
        if (tooSmall != null) throw new IllegalArgumentException(tooSmall);
        List<Row> rows = new ArrayList<>();
        double[] sums = new double[6];
        for (int i = 0; i < count; i++) {
            FloatImage clean = clean(part, i), noisy = noisy(part, i);
            // the blur is scored (and dropped) before the model's output is made: three images at a time, not four
            double[] blur = blurScores(clean, noisy, blurSigma);
            float[] out = denoiser.denoise(noisy.values(), noisy.height(), noisy.width());
            for (int k = 0; k < out.length; k++) out[k] = Math.min(Math.max(out[k], 0f), 1f);
            FloatImage denoised = new FloatImage(clean.channels(), clean.height(), clean.width(), out);
            Row row = new Row(part.names().get(i), clean.height(), clean.width(),
                    Psnr.of(clean, noisy), Psnr.of(clean, denoised), blur[0],
                    Ssim.of(clean, noisy), Ssim.of(clean, denoised), blur[1]);
            rows.add(row);
            double[] values = {row.psnrNoisy(), row.psnrDenoised(), row.psnrBlur(), row.ssimNoisy(), row.ssimDenoised(), row.ssimBlur()};
            for (int s = 0; s < 6; s++) sums[s] += values[s];
            progress.update(i + 1, count);
        }
        return new Result(List.copyOf(rows), part.noisy() != null ? REAL_NOISY_TWINS : noise.toString(), blurSigma,
                sums[0] / count, sums[1] / count, sums[2] / count, sums[3] / count, sums[4] / count, sums[5] / count);
    }

    /** Why the part's images cannot all be scored ("NAME is 9x40 pixels: SSIM needs at least 11x11 ..."), or null. */
    public static String tooSmall(ImageFolder.Part part) {
        for (int i = 0; i < part.count(); i++) {
            int h = part.pixels().height(i), w = part.pixels().width(i);
            if (h < Ssim.WINDOW_SIZE || w < Ssim.WINDOW_SIZE)
                return part.names().get(i) + " is " + w + "x" + h + " pixels: SSIM needs at least "
                        + Ssim.WINDOW_SIZE + "x" + Ssim.WINDOW_SIZE + " (its Gaussian window's size)";
        }
        return null;
    }

    /** {PSNR, SSIM} of the blurred noisy image against the clean one. */
    private static double[] blurScores(FloatImage clean, FloatImage noisy, double sigma) {
        FloatImage blurred = GaussianBlur.blur(noisy, sigma);
        return new double[] {Psnr.of(clean, blurred), Ssim.of(clean, blurred)};
    }

    private static FloatImage image(Pixels pixels, int index) {
        int c = pixels.channels(), h = pixels.height(index), w = pixels.width(index);
        float[] v = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) v[(ch * h + y) * w + x] = pixels.get(index, ch, y, x) / 255f;
        return new FloatImage(c, h, w, v);
    }
}
