package cae.metrics;

import cae.data.ImageFolder;
import cae.data.Split;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Parameters;
import cae.model.TiledDenoiser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** docs/SPEC.md §3.7: photographs scored by PSNR and SSIM for the noisy input, the model's output and the blur baseline. */
class PhotoEvaluationTest {
    @TempDir Path tmp;

    private static final Noise NOISE = Noise.gaussian(0.1f);
    private static final long SEED = 42;
    private static final int[][] SIZES = {{23, 31}, {40, 17}, {30, 30}};

    /** Smooth colour waves with a seed: photographs a blur can help. */
    private static BufferedImage photo(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                int r = (int) (128 + 100 * Math.sin(x / 4.0 + seed)), g = (int) (128 + 90 * Math.cos(y / 5.0 + seed)), b = (x * 3 + y * 2 + seed * 40) & 0xff;
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        return image;
    }

    /** Three PNGs of odd sizes under {@code folder}, named a.png, b.png, c.png, from {@code seed}. */
    private static void writePhotos(Path folder, int seed) throws IOException {
        Files.createDirectories(folder);
        for (int i = 0; i < SIZES.length; i++)
            assertTrue(ImageIO.write(photo(SIZES[i][1], SIZES[i][0], seed + i), "png", folder.resolve((char) ('a' + i) + ".png").toFile()));
    }

    private ImageFolder.Part load(Path data, Path noisy) {
        ImageFolder.Options options = new ImageFolder.Options(data).stores(tmp.resolve("stores")).threads(1)
                .color(ImageFolder.Color.RGB).split(new Split(1, 0, 0));
        if (noisy != null) options.noisy(noisy);
        return ImageFolder.load(options).train();
    }

    private static Autoencoder model(CpuEngine engine) {
        Architecture arch = new Architecture(Decoder.NEAREST, 3, List.of(4, 4), true, true, Architecture.Loss.MSE);
        Autoencoder net = new Autoencoder(engine, arch);
        net.setWeights(Parameters.glorotInit(arch, 3));
        return net;
    }

    private static PhotoEvaluation.Result evaluate(ImageFolder.Part part, int threads, List<int[]> progress) {
        try (CpuEngine cpu = new CpuEngine(threads); Autoencoder net = model(cpu)) {
            PhotoEvaluation evaluation = new PhotoEvaluation(new TiledDenoiser(net, 8, 2), NOISE, SEED);
            return evaluation.evaluate(part, 1.0, (done, total) -> progress.add(new int[] {done, total}));
        }
    }

    @Test
    void untrainedWeightsGiveTheSameNumbersOnOneAndTwoThreads() throws IOException {
        writePhotos(tmp.resolve("photos"), 1);
        ImageFolder.Part part = load(tmp.resolve("photos"), null);
        assertEquals(List.of("a.png", "b.png", "c.png"), part.names());
        List<int[]> progress = new ArrayList<>();
        PhotoEvaluation.Result one = evaluate(part, 1, progress), two = evaluate(part, 2, new ArrayList<>());
        assertEquals(one, two);
        assertEquals(one, evaluate(part, 1, new ArrayList<>()), "deterministic");
        assertEquals(3, one.images());
        assertEquals(List.of("1/3", "2/3", "3/3"), progress.stream().map(p -> p[0] + "/" + p[1]).toList());

        double[] sums = new double[6];
        for (int i = 0; i < 3; i++) {
            PhotoEvaluation.Row row = one.rows().get(i);
            assertEquals(SIZES[i][0], row.height());
            assertEquals(SIZES[i][1], row.width());
            double[] v = {row.psnrNoisy(), row.psnrDenoised(), row.psnrBlur(), row.ssimNoisy(), row.ssimDenoised(), row.ssimBlur()};
            for (int s = 0; s < 6; s++) {
                assertTrue(Double.isFinite(v[s]), row.toString());
                sums[s] += v[s] / 3;
            }
            assertTrue(row.psnrNoisy() > 18 && row.psnrNoisy() < 23, "sigma 0.1 is about 20 dB: " + row.psnrNoisy());
            assertTrue(row.psnrBlur() > row.psnrNoisy(), "a blur helps smooth images: " + row);
            assertTrue(row.ssimBlur() > row.ssimNoisy(), row.toString());
        }
        assertArrayEquals(sums, new double[] {one.psnrNoisy(), one.psnrDenoised(), one.psnrBlur(), one.ssimNoisy(), one.ssimDenoised(), one.ssimBlur()}, 1e-12);
        assertEquals(NOISE.toString(), one.noise());
        assertEquals(1.0, one.blurSigma());
    }

    @Test
    void theScoresAreThoseOfTheNoisyDenoisedAndBlurredImages() throws IOException {
        writePhotos(tmp.resolve("photos"), 2);
        ImageFolder.Part part = load(tmp.resolve("photos"), null);
        PhotoEvaluation.Result result = evaluate(part, 2, new ArrayList<>());
        try (CpuEngine cpu = new CpuEngine(1); Autoencoder net = model(cpu)) {
            PhotoEvaluation evaluation = new PhotoEvaluation(new TiledDenoiser(net, 8, 2), NOISE, SEED);
            for (int i = 0; i < 3; i++) {
                FloatImage clean = PhotoEvaluation.clean(part, i), noisy = evaluation.noisy(part, i);
                float[] out = new TiledDenoiser(net, 64, 1).denoise(noisy.values(), noisy.height(), noisy.width());
                for (int k = 0; k < out.length; k++) out[k] = Math.min(Math.max(out[k], 0f), 1f);
                FloatImage denoised = new FloatImage(3, clean.height(), clean.width(), out), blurred = GaussianBlur.blur(noisy, 1.0);
                assertEquals(new PhotoEvaluation.Row(part.names().get(i), clean.height(), clean.width(),
                        Psnr.of(clean, noisy), Psnr.of(clean, denoised), Psnr.of(clean, blurred),
                        Ssim.of(clean, noisy), Ssim.of(clean, denoised), Ssim.of(clean, blurred)), result.rows().get(i));
            }
        }
    }

    @Test
    void theNoisyInputIsTheEnginesGatherOfThatImageAtItsIndex() throws IOException {
        writePhotos(tmp.resolve("photos"), 3);
        ImageFolder.Part part = load(tmp.resolve("photos"), null);
        for (Noise noise : new Noise[] {NOISE, Noise.parse("salt-pepper:0.2"), Noise.parse("mask:0.3"), Noise.NONE})
            try (CpuEngine cpu = new CpuEngine(2); Autoencoder net = model(cpu)) {
                PhotoEvaluation evaluation = new PhotoEvaluation(new TiledDenoiser(net, 8, 2), noise, SEED);
                for (int i = 0; i < 3; i++) {
                    int h = SIZES[i][0], w = SIZES[i][1];
                    byte[] bytes = new byte[3 * h * w];
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < h; y++)
                            for (int x = 0; x < w; x++) bytes[(c * h + y) * w + x] = (byte) part.pixels().get(i, c, y, x);
                    ImageSet one = cpu.upload(Pixels.of(bytes, 1, 3, h, w));
                    Tensor clean = cpu.zeros(1, 3, h, w), noisy = cpu.zeros(1, 3, h, w);
                    cpu.setOrder(new int[] {0});
                    cpu.gather(Sampling.whole(one, noise, SEED), 0, clean, noisy, i);
                    float[] expected = new float[3 * h * w];
                    cpu.read(noisy, expected);
                    assertArrayEquals(expected, evaluation.noisy(part, i).values(), noise + " image " + i);
                    if (noise.any()) assertFalse(java.util.Arrays.equals(expected, PhotoEvaluation.clean(part, i).values()));
                }
            }
    }

    @Test
    void realNoisyTwinsAreUsedAsTheyAre() throws IOException {
        writePhotos(tmp.resolve("clean"), 4);
        writePhotos(tmp.resolve("noisy"), 5);
        ImageFolder.Part part = load(tmp.resolve("clean"), tmp.resolve("noisy"));
        assertNotNull(part.noisy());
        PhotoEvaluation.Result result = evaluate(part, 2, new ArrayList<>());
        assertEquals(PhotoEvaluation.REAL_NOISY_TWINS, result.noise());
        try (CpuEngine cpu = new CpuEngine(1); Autoencoder net = model(cpu)) {
            PhotoEvaluation evaluation = new PhotoEvaluation(new TiledDenoiser(net, 8, 2), NOISE, SEED);
            for (int i = 0; i < 3; i++) {
                FloatImage twin = evaluation.noisy(part, i);
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < twin.height(); y++)
                        for (int x = 0; x < twin.width(); x++) assertEquals(part.noisy().get(i, c, y, x) / 255f, twin.get(c, y, x));
                assertEquals(Psnr.of(PhotoEvaluation.clean(part, i), twin), result.rows().get(i).psnrNoisy());
            }
        }
    }

    @Test
    void theBlurSigmaIsTheBestOfTheGrid() throws IOException {
        writePhotos(tmp.resolve("photos"), 6);
        ImageFolder.Part part = load(tmp.resolve("photos"), null);
        double[] grid = {0.3, 0.8, 1.5, 5.0};
        try (CpuEngine cpu = new CpuEngine(1); Autoencoder net = model(cpu)) {
            PhotoEvaluation evaluation = new PhotoEvaluation(new TiledDenoiser(net, 8, 2), NOISE, SEED);
            GaussianBlur.Choice choice = evaluation.chooseBlur(part, grid);
            int best = 0;
            double[] means = new double[grid.length];
            for (int s = 0; s < grid.length; s++) {
                for (int i = 0; i < 3; i++)
                    means[s] += Psnr.of(PhotoEvaluation.clean(part, i), GaussianBlur.blur(evaluation.noisy(part, i), grid[s])) / 3;
                if (means[s] > means[best]) best = s;
            }
            assertArrayEquals(means, choice.meanPsnr(), 1e-12);
            assertEquals(grid[best], choice.sigma());
            assertTrue(best > 0 && best < grid.length - 1, "neither the lightest nor the heaviest blur: " + java.util.Arrays.toString(means));
        }
    }

    @Test
    void theMapForMetricsJsonHasTheMeansAndEveryImage() throws IOException {
        writePhotos(tmp.resolve("photos"), 7);
        PhotoEvaluation.Result result = evaluate(load(tmp.resolve("photos"), null), 1, new ArrayList<>());
        Map<String, Object> map = result.toMap();
        assertEquals(List.of("images", "noise", "blur_sigma", "psnr_noisy_db", "psnr_denoised_db", "psnr_blur_db",
                "ssim_noisy", "ssim_denoised", "ssim_blur", "per_image"), List.copyOf(map.keySet()));
        assertEquals(3, map.get("images"));
        assertEquals(result.psnrDenoised(), map.get("psnr_denoised_db"));
        @SuppressWarnings("unchecked") List<Map<String, Object>> rows = (List<Map<String, Object>>) map.get("per_image");
        assertEquals(3, rows.size());
        assertEquals("b.png", rows.get(1).get("name"));
        assertEquals(result.rows().get(2).ssimBlur(), rows.get(2).get("ssim_blur"));
    }

    @Test
    void anImageTooSmallForSsimIsNamedBeforeAnyWork() throws IOException {
        writePhotos(tmp.resolve("photos"), 8);
        assertTrue(ImageIO.write(photo(12, 10, 1), "png", tmp.resolve("photos").resolve("d.png").toFile()));
        List<int[]> progress = new ArrayList<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> evaluate(load(tmp.resolve("photos"), null), 1, progress));
        assertEquals("d.png is 12x10 pixels: SSIM needs at least 11x11 (its Gaussian window's size)", e.getMessage());
        assertTrue(progress.isEmpty());
    }
}
