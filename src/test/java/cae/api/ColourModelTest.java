package cae.api;

import cae.cli.Main;
import cae.engine.cpu.CpuEngine;
import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Denoiser;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Colour models through the API: colour in, colour out, the command line's bytes; large images in tiles. */
class ColourModelTest {
    @TempDir Path dir;

    private static final EngineSettings CPU = EngineSettings.builder().device(Device.CPU).threads(1).build();
    private static final Architecture RGB = new Architecture(Decoder.NEAREST, 3, List.of(8, 8), true, true, Architecture.Loss.MSE);

    private Path colourModel() throws Exception {
        Path file = dir.resolve("rgb.safetensors");
        ModelFile.write(file, RGB, Parameters.glorotInit(RGB, 3), Map.of("dataset", "photos", "noise", "gaussian:0.1"));
        return file;
    }

    private static BufferedImage image(int type, int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, type);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                int level = (int) (128 + 60 * Math.sin(x / 7.0) * Math.cos(y / 5.0)) + random.nextInt(40) - 20;
                image.setRGB(x, y, type == BufferedImage.TYPE_BYTE_GRAY ? level * 0x010101 : level << 16 | (255 - level) << 8 | random.nextInt(256));
            }
        return image;
    }

    private static int[] samples(BufferedImage image, int band) {
        return image.getRaster().getSamples(0, 0, image.getWidth(), image.getHeight(), band, (int[]) null);
    }

    /** The command line's denoise of {@code input} with {@code model}, into {@code folder}; the file it wrote. */
    private static Path denoiseByCommandLine(Path model, Path input, Path folder) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"denoise", "--device", "cpu", "--model", model.toString(), "--out", folder.toString(), input.toString()},
                new PrintStream(printed), new PrintStream(printed));
        assertEquals(0, code, printed.toString());
        return folder.resolve(input.getFileName().toString().replace(".png", "-denoised.png"));
    }

    @Test
    void aColourModelDenoisesImagesAndFilesInColourAsTheCommandLineDoes() throws Exception {
        Path model = colourModel(), input = dir.resolve("photo.png");
        ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 37, 29, 5), "png", input.toFile());
        Path byCommandLine = denoiseByCommandLine(model, input, dir.resolve("cli"));
        BufferedImage expected = ImageIO.read(byCommandLine.toFile());
        assertEquals(3, expected.getColorModel().getNumColorComponents(), "the command line writes colour");

        try (Model m = Model.load(model, CPU)) {
            assertEquals(3, m.channels());
            assertEquals("photos (rgb, noise gaussian:0.1)", m.trainedOn());
            BufferedImage denoised = m.denoise(ImageIO.read(input.toFile()));
            assertEquals(BufferedImage.TYPE_INT_RGB, denoised.getType());
            for (int c = 0; c < 3; c++) assertArrayEquals(samples(expected, c), samples(denoised, c), "band " + c);
            assertFalse(java.util.Arrays.equals(samples(denoised, 0), samples(denoised, 1)), "the channels differ: colour was kept");

            Path byApi = dir.resolve("api.png");
            m.denoise(input, byApi);
            assertArrayEquals(Files.readAllBytes(byCommandLine), Files.readAllBytes(byApi), "file in, file out");
        }
    }

    @Test
    void warningsSayHowAnImageDiffersFromWhatTheModelLearned() throws Exception {
        BufferedImage grey = image(BufferedImage.TYPE_BYTE_GRAY, 23, 17, 8), colour = image(BufferedImage.TYPE_INT_RGB, 23, 17, 9);
        try (Model m = Model.load(colourModel(), CPU)) {
            assertEquals(List.of(), m.warnings(colour));
            assertEquals(List.of("the image is grey and the model was trained on colour images: it is denoised as colour with three equal channels"),
                    m.warnings(grey));
            assertEquals(m.warnings(grey), m.warnings(GreyImages.toGrey(grey), 1, 17, 23));
            assertEquals(List.of(), m.warnings(new float[3 * 17 * 23], 3, 17, 23));
        }

        Path mnist = dir.resolve("mnist.safetensors");
        ModelFile.write(mnist, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 11), Map.of("dataset", "mnist"));
        BufferedImage page = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY), dark = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++) page.getRaster().setSample(x, y, 0, x == y ? 0 : 230);
        try (Model m = Model.load(mnist, CPU)) {
            assertEquals(List.of(), m.warnings(dark));
            List<String> light = m.warnings(page);
            assertEquals(1, light.size(), light.toString());
            assertTrue(light.get(0).startsWith("the image is mostly light (mean 0.88) and the MNIST model learned light strokes on a dark background"), light.get(0));
            assertEquals(light, m.warnings(GreyImages.toGrey(page), 1, 30, 40));
            assertEquals(List.of("the image is in colour and the model was trained on grey images: it is denoised as grey (a model trained on colour images keeps colour)"),
                    m.warnings(new float[3 * 30 * 40], 3, 30, 40));
            assertThrows(IllegalArgumentException.class, () -> m.warnings(new float[5], 1, 30, 40));
        }
    }

    @Test
    void greyIntoAColourModelIsThreeEqualChannels() throws Exception {
        Path model = colourModel(), input = dir.resolve("grey.png");
        BufferedImage grey = image(BufferedImage.TYPE_BYTE_GRAY, 23, 17, 8);
        ImageIO.write(grey, "png", input.toFile());
        Path byCommandLine = denoiseByCommandLine(model, input, dir.resolve("cli"));
        try (Model m = Model.load(model, CPU)) {
            Path byApi = dir.resolve("api.png");
            m.denoise(input, byApi);
            assertArrayEquals(Files.readAllBytes(byCommandLine), Files.readAllBytes(byApi));

            float[] levels = GreyImages.toGrey(grey), three = new float[3 * levels.length];
            for (int c = 0; c < 3; c++) System.arraycopy(levels, 0, three, c * levels.length, levels.length);
            float[] fromGrey = m.denoise(levels, 1, 17, 23);
            assertEquals(3 * 17 * 23, fromGrey.length);
            assertArrayEquals(m.denoise(three, 3, 17, 23), fromGrey);
        }
    }

    @Test
    void aLargeImageGoesThroughTilesWithTheWholeImagesOutput() throws Exception {
        // more than one 256 x 256 tile each way, sides that are not multiples of the tile
        int width = 600, height = 530;
        Path model = dir.resolve("grey.safetensors"), input = dir.resolve("large.png"), output = dir.resolve("large-denoised.png");
        float[] params = Parameters.glorotInit(Architecture.RECIPE, 4);
        ModelFile.write(model, Architecture.RECIPE, params, Map.of());
        BufferedImage image = image(BufferedImage.TYPE_INT_RGB, width, height, 2);
        ImageIO.write(image, "png", input.toFile());
        try (Model m = Model.load(model, CPU)) {
            m.denoise(input, output);
        }
        float[] whole;
        try (CpuEngine engine = new CpuEngine(1); Autoencoder net = new Autoencoder(engine, Architecture.RECIPE)) {
            net.setWeights(params);
            try (Denoiser denoiser = new Denoiser(net, 1, height, width)) {
                whole = denoiser.denoise(List.of(GreyImages.toGrey(image)))[0];
            }
        }
        Path expected = dir.resolve("whole.png");
        GreyImages.write(expected, whole, width, height);
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(output), "the tiled output is the whole image's");
    }
}
