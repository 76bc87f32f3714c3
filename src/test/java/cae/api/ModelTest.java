package cae.api;

import cae.cli.Main;
import cae.engine.select.CudaAvailability;
import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The API's model: what it denoises matches the command line's denoise, in every input form; errors and notes. */
class ModelTest {
    @TempDir Path dir;

    private static final EngineSettings CPU = EngineSettings.builder().device(Device.CPU).threads(1).build();

    private Path model() throws IOException {
        Path file = dir.resolve("model.safetensors");
        ModelFile.write(file, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 11), Map.of());
        return file;
    }

    private static BufferedImage colourImage(int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) image.setRGB(x, y, random.nextInt(1 << 24));
        return image;
    }

    private static int[] greyLevels(BufferedImage image) {
        return image.getRaster().getSamples(0, 0, image.getWidth(), image.getHeight(), 0, (int[]) null);
    }

    @Test
    void denoisesImagesAndFilesAsTheCommandLineDoes() throws Exception {
        Path model = model(), input = dir.resolve("photo.png");
        ImageIO.write(colourImage(21, 13, 5), "png", input.toFile());
        ByteArrayOutputStream ignored = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"denoise", "--device", "cpu", "--model", model.toString(), "--out", dir.resolve("cli").toString(),
                input.toString()}, new PrintStream(ignored), new PrintStream(ignored));
        assertEquals(0, code, ignored.toString());
        Path byCommandLine = dir.resolve("cli/photo-denoised.png");

        try (Model m = Model.load(dir, CPU)) {   // the run folder holding model.safetensors
            BufferedImage image = m.denoise(ImageIO.read(input.toFile()));
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, image.getType());
            assertArrayEquals(greyLevels(ImageIO.read(byCommandLine.toFile())), greyLevels(image), "BufferedImage in, BufferedImage out");

            Path byApi = dir.resolve("api.png");
            m.denoise(input, byApi);
            assertArrayEquals(Files.readAllBytes(byCommandLine), Files.readAllBytes(byApi), "file in, file out");
        }
    }

    @Test
    void floatArraysGreyOrRgbGoThroughTheSameConversion() throws Exception {
        int h = 9, w = 11;
        Random random = new Random(3);
        float[] rgb = new float[3 * h * w];
        for (int i = 0; i < rgb.length; i++) rgb[i] = random.nextInt(256) / 255f;
        float[] grey = GreyImages.toGrey(rgb, 3, h, w);
        try (Model m = Model.load(model(), CPU)) {
            float[] fromRgb = m.denoise(rgb, 3, h, w), fromGrey = m.denoise(grey, 1, h, w);
            assertEquals(m.channels() * h * w, fromRgb.length);
            assertArrayEquals(fromGrey, fromRgb);
            for (float v : fromGrey) assertTrue(v >= 0 && v <= 1, "a sigmoid output: " + v);

            // the same grey values as an 8-bit image: the float result, rounded to 0..255
            float[] levels = new float[h * w];
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < levels.length; i++) {
                int level = random.nextInt(256);
                levels[i] = level / 255f;
                image.getRaster().setSample(i % w, i / w, 0, level);
            }
            float[] values = m.denoise(levels, 1, h, w);
            int[] expected = new int[values.length];
            for (int i = 0; i < values.length; i++) expected[i] = Math.round(values[i] * 255f);
            assertArrayEquals(expected, greyLevels(m.denoise(image)));
        }
    }

    @Test
    void sizesMayChangeFromOneImageToTheNext() throws Exception {
        try (Model m = Model.load(model(), CPU)) {
            BufferedImage a = colourImage(8, 8, 1), b = colourImage(5, 7, 2);
            int[] first = greyLevels(m.denoise(a));
            BufferedImage other = m.denoise(b);
            assertEquals(5, other.getWidth());
            assertEquals(7, other.getHeight());
            assertArrayEquals(first, greyLevels(m.denoise(a)));
        }
    }

    @Test
    void arraysOfTheWrongSizeOrChannelsAreRefused() throws Exception {
        try (Model m = Model.load(model(), CPU)) {
            IllegalArgumentException length = assertThrows(IllegalArgumentException.class, () -> m.denoise(new float[10], 1, 3, 4));
            assertTrue(length.getMessage().contains("1 x 3 x 4 pixels expected, got 10"), length.getMessage());
            IllegalArgumentException channels = assertThrows(IllegalArgumentException.class, () -> m.denoise(new float[24], 2, 3, 4));
            assertTrue(channels.getMessage().contains("1 (grey) or 3 (RGB) channels"), channels.getMessage());
        }
    }

    @Test
    void describesItself() throws Exception {
        try (Model m = Model.load(model(), CPU)) {
            assertEquals("nearest", m.decoder());
            assertEquals(30_689, m.parameterCount());
            assertEquals(1, m.channels());
            assertEquals("data it does not name (grey, noise gaussian:0.5)", m.trainedOn(), "a file that records neither data nor noise");
            assertEquals("cae", m.metadata().get("format"));
            assertTrue(m.engine().startsWith("cpu engine, 1 thread"), m.engine());
            assertEquals(dir.resolve("model.safetensors"), m.file());
        }
    }

    @Test
    void theEngineChoiceIsToldToTheApplicationNotPrinted() throws Exception {
        Path model = model();
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Model m;
        try {
            PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
            System.setOut(capture);
            System.setErr(capture);
            m = Model.load(model);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        try (m) {
            assertEquals("", printed.toString(StandardCharsets.UTF_8), "nothing printed");
            String reason = CudaAvailability.reasonUnavailable();
            if (reason == null) {
                assertTrue(m.engine().startsWith("cuda"), m.engine());
            } else {
                assertEquals(1, m.notes().size(), m.notes().toString());
                assertEquals("using the CPU engine: " + reason, m.notes().get(0));
                assertTrue(m.engine().startsWith("cpu engine"), m.engine());
            }
        }
    }

    @Test
    void cudaWhereItCannotRunSaysWhy() throws Exception {
        String reason = CudaAvailability.reasonUnavailable();
        Assumptions.assumeTrue(reason != null, "the CUDA engine can run here");
        Path model = model();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Model.load(model, EngineSettings.builder().device(Device.CUDA).build()));
        assertEquals("the CUDA engine cannot run here: " + reason, e.getMessage());
    }

    @Test
    void aMissingOrWrongFileIsAnIOExceptionNamingIt() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> Model.load(dir.resolve("nothing"), CPU));
        assertTrue(missing.getMessage().contains(dir.resolve("nothing").toString()), missing.getMessage());
        Path text = Files.writeString(dir.resolve("notes.safetensors"), "not a model");
        IOException wrong = assertThrows(IOException.class, () -> Model.load(text, CPU));
        assertTrue(wrong.getMessage().contains(text.toString()), wrong.getMessage());
    }

    @Test
    void aClosedModelRefusesToDenoise() throws Exception {
        Model m = Model.load(model(), CPU);
        m.denoise(new float[16], 1, 4, 4);
        m.close();
        m.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.denoise(new float[16], 1, 4, 4));
        assertEquals("the model is closed", e.getMessage());
    }

    @Test
    void engineSettingsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> EngineSettings.builder().threads(-1));
        IllegalArgumentException conv = assertThrows(IllegalArgumentException.class, () -> EngineSettings.builder().convolution("fast"));
        assertEquals("convolution must be auto, cudnn, gemm; got 'fast'", conv.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EngineSettings.builder().fusion("maybe"));
        assertThrows(IllegalArgumentException.class, () -> EngineSettings.builder().device(null));
    }
}
