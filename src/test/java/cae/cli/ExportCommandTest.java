package cae.cli;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import cae.model.Architecture;
import cae.model.Decoder;
import cae.model.ModelFile;
import cae.onnx.OnnxExport;
import cae.onnx.OnnxRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** `cae export`: the file ONNX Runtime loads, the image size it takes, and one-line errors. */
class ExportCommandTest {

    private static Path model(Path dir, Decoder decoder, Map<String, String> metadata) throws Exception {
        Architecture arch = Architecture.of(decoder);
        float[] params = new float[arch.parameterCount()];
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < params.length; i++) params[i] = (float) random.nextDouble(-0.3, 0.3);
        Files.createDirectories(dir);
        ModelFile.write(dir.resolve(ModelFile.NAME), arch, params, metadata);
        return dir;
    }

    /** The input's shape as ONNX Runtime reads it from the file (-1 for the batch). */
    private static long[] inputShape(Path onnx) throws Exception {
        try (OnnxRuntime ort = new OnnxRuntime(Files.readAllBytes(onnx))) {
            NodeInfo input = ort.session.getInputInfo().get(OnnxExport.INPUT);
            return ((TensorInfo) input.getInfo()).getShape();
        }
    }

    @Test
    void aRunFolderBecomesAnOnnxFileThatDenoisesLikeTheCpuEngine(@TempDir Path tmp) throws Exception {
        Path run = model(tmp.resolve("run"), Decoder.UNPOOL, Map.of("dataset", "some digits", ModelFile.IMAGE_HEIGHT, "9",
                ModelFile.IMAGE_WIDTH, "7", "noise", "0.5"));
        Path onnx = tmp.resolve("out").resolve("model.onnx");
        CommandLineTest.Result r = CommandLineTest.run("export", run.toString(), "--onnx", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + onnx) && r.out().contains("N x 1 x 9 x 7"), r.out());
        assertArrayEquals(new long[] {-1, 1, 9, 7}, inputShape(onnx), "the training size from the model's metadata, any batch");

        ModelFile.Loaded loaded = ModelFile.read(run);
        SplittableRandom random = new SplittableRandom(8);
        float[][] images = new float[2][9 * 7];
        for (float[] image : images) for (int i = 0; i < image.length; i++) image[i] = (float) random.nextDouble();
        float[] input = OnnxRuntime.concat(images);
        float[] expected = OnnxRuntime.cpu(loaded.arch(), loaded.params(), List.of(images), 9, 7);
        try (OnnxRuntime ort = new OnnxRuntime(Files.readAllBytes(onnx))) {
            float[] actual = ort.run(input, new long[] {2, 1, 9, 7}, 2, 1, 9, 7);
            assertTrue(OnnxRuntime.relativeError(actual, expected) <= 1e-5);
            Map<String, String> meta = ort.session.getMetadata().getCustomMetadata();
            assertEquals("unpool", meta.get("decoder"));
            assertEquals("some digits", meta.get("dataset"), "the model's metadata goes along");
            assertEquals("9", meta.get("input_height"));
        }
    }

    @Test
    void theSizeComesFromTheOptionsOrIsMnistsForAModelThatDoesNotRecordIt(@TempDir Path tmp) throws Exception {
        Path mnist = model(tmp.resolve("mnist"), Decoder.NEAREST, Map.of("dataset", "mnist"));
        Path older = model(tmp.resolve("older"), Decoder.TRANSPOSED, Map.of());
        Path onnx = tmp.resolve("m.onnx");
        assertEquals(0, CommandLineTest.run("export", mnist.resolve(ModelFile.NAME).toString(), "--onnx", onnx.toString()).code());
        assertArrayEquals(new long[] {-1, 1, 28, 28}, inputShape(onnx));
        assertEquals(0, CommandLineTest.run("export", older.toString(), "--onnx", onnx.toString()).code());
        assertArrayEquals(new long[] {-1, 1, 28, 28}, inputShape(onnx));
        CommandLineTest.Result r = CommandLineTest.run("export", older.toString(), "--onnx", onnx.toString(), "--height", "13", "--width", "1");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new long[] {-1, 1, 13, 1}, inputShape(onnx), "the options win, the file is replaced");
    }

    @Test
    void mistakesAreOneLineWithTheirExitCode(@TempDir Path tmp) throws Exception {
        Path other = model(tmp.resolve("other"), Decoder.BILINEAR, Map.of("dataset", "data set from /x: 10 train images of 5 x 6"));
        Path bad = model(tmp.resolve("bad"), Decoder.NEAREST, Map.of(ModelFile.IMAGE_HEIGHT, "tall"));
        String onnx = tmp.resolve("x.onnx").toString();

        assertError(Main.USAGE, "give --height and --width", "export", other.toString(), "--onnx", onnx);
        assertError(Main.USAGE, "(data set from /x: 10 train images of 5 x 6); give --width", "export", other.toString(), "--onnx", onnx, "--height", "5");
        assertError(Main.USAGE, "--height must be 1 or more, got 0", "export", other.toString(), "--onnx", onnx, "--height", "0", "--width", "4");
        assertError(Main.USAGE, "--width must be 1 or more, got -3", "export", other.toString(), "--onnx", onnx, "--width", "-3");
        assertError(Main.USAGE, "Missing required option: '--onnx=FILE'", "export", other.toString());
        assertError(Main.USAGE, "is a folder; name the file to write", "export", other.toString(), "--onnx", tmp.toString());
        assertError(Main.FAILED, "image_height 'tall' is not a size", "export", bad.toString(), "--onnx", onnx);
        assertError(Main.FAILED, "no such model file", "export", tmp.resolve("nothing").toString(), "--onnx", onnx);
        assertFalse(Files.exists(tmp.resolve("x.onnx")), "nothing written on a mistake");
        // a model of another architecture
        Path empty = tmp.resolve("empty.safetensors");
        Files.write(empty, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        assertError(Main.FAILED, empty.toString(), "export", empty.toString(), "--onnx", onnx);
    }

    private static void assertError(int code, String message, String... args) {
        CommandLineTest.Result r = CommandLineTest.run(args);
        String what = String.join(" ", args) + ": " + r.err();
        assertEquals(code, r.code(), what);
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).startsWith("cae export: ") && lines.get(0).contains(message), what);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + what);
    }
}
