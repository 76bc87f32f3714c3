package cae.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CommandLineTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everySubcommandHasHelp() {
        for (String cmd : new String[] {"train", "eval", "denoise", "export", "bench", "fetch", "info"}) {
            Result r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: cae " + cmd), cmd + ": " + r.out());
        }
        Result top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("train") && top.out().contains("denoise"));
    }

    /** The commands where the CUDA engine computes, training or inference: the only ones with GPU options. */
    private static final java.util.Set<String> COMPUTING = java.util.Set.of("train", "eval", "denoise", "bench", "compare");

    @Test
    void everyHelpFitsAScreenWithGpuOptionsOnlyWhereTheyAct() {
        for (String cmd : new String[] {"train", "eval", "denoise", "export", "bench", "compare", "fetch", "info"}) {
            Result r = run(cmd, "--help");
            java.util.List<String> lines = r.out().lines().toList();
            assertTrue(lines.size() <= 40, cmd + " --help has " + lines.size() + " lines:\n" + r.out());
            int heading = lines.indexOf("GPU (CUDA engine; details in docs/gpu-options.md):");
            assertEquals(COMPUTING.contains(cmd), heading >= 0, cmd + ":\n" + r.out());
            assertEquals(COMPUTING.contains(cmd), r.out().contains("--tf32"), cmd + ":\n" + r.out());
            if (heading < 0) continue;
            for (String line : lines.subList(heading + 1, lines.size()))  // one line each: no continuation lines
                assertTrue(line.startsWith("      --"), cmd + ": '" + line + "' under the GPU heading");
            assertEquals(cmd.equals("train") || cmd.equals("bench"), r.out().contains("--profile-steps"), cmd);
        }
    }

    @Test
    void aGpuOptionWhereItDoesNotActIsUnknown() {
        Result r = run("eval", "model.safetensors", "--profile-steps", "1:2");
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("Unknown options: '--profile-steps'"), r.err());
    }

    @Test
    void aSemanticErrorIsOneLineWithoutTheUsage(@TempDir Path tmp) throws Exception {
        assertOneLine("cae train: --epochs must be at least 1, got 0", "train", "--epochs", "0");
        assertOneLine("cae train: --profile-steps must be A:B with 0 <= A < B (steps A to B-1), got '5:2'", "train", "--profile-steps", "5:2");
        assertOneLine("cae compare: --decoders names a variant twice", "compare", "--decoders", "nearest,nearest");
        Path occupied = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(occupied.resolve("metrics.json"), "{}");
        assertOneLine("cae train: " + occupied + " already holds a run (metrics.json); choose another --out",
                "train", "--device", "cpu", "--out", occupied.toString());
        Path resumed = Files.createDirectories(tmp.resolve("resumed"));
        cae.train.Checkpoint.write(resumed.resolve("checkpoint.safetensors"), cae.train.TrainingState.fresh(new cae.train.TrainingConfig(1, 10,
                1e-3f, 0.5f, 1, 0, cae.model.Decoder.NEAREST)), 1, "");
        assertOneLine("cae train: --decoder transposed differs from the checkpoint's nearest; leave --decoder out to resume, or start a new "
                + "run into another --out", "train", "--device", "cpu", "--resume", resumed.toString(), "--decoder", "transposed");
    }

    private static void assertOneLine(String line, String... args) {
        Result r = run(args);
        assertEquals(Main.USAGE, r.code(), String.join(" ", args) + ": " + r.err());
        assertEquals(line, r.err().strip(), String.join(" ", args));
    }

    @Test
    void aSyntaxErrorKeepsTheUsage() {
        for (String[] args : new String[][] {{"train", "--batch", "many"}, {"train", "--epochs"}, {"eval"}, {"bench", "--bogus"}}) {
            Result r = run(args);
            assertEquals(Main.USAGE, r.code(), String.join(" ", args));
            assertTrue(r.err().contains("Usage: cae " + args[0]), String.join(" ", args) + ": " + r.err());
        }
    }

    @Test
    void noSubcommandIsAUsageError() {
        Result r = run();
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("a subcommand is required"), r.err());
        assertTrue(r.err().contains("Usage: cae"), "the usage lists the subcommands: " + r.err());
    }

    @Test
    void unknownOptionGivesUsageAndExitCode2() {
        Result r = run("train", "--epochz", "3");
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("Unknown options: '--epochz', '3'"), r.err());
        assertTrue(r.err().contains("Usage: cae train"), r.err());
    }

    @Test
    void badValuesGiveUsageErrors() {
        assertBadValue("--epochs must be at least 1, got 0", "train", "--epochs", "0");
        assertBadValue("--batch must be at least 1, got -5", "train", "--batch", "-5");
        assertBadValue("--lr must be a positive number", "train", "--lr", "-1");
        assertBadValue("Invalid value for option '--batch'", "train", "--batch", "many");
        assertBadValue("unknown device 'tpu'", "train", "--device", "tpu");
        assertBadValue("--conv must be auto, cudnn or gemm", "bench", "--conv", "fft");
        assertBadValue("--fusion must be off, on or auto, got 'yes'", "train", "--fusion", "yes");
        assertBadValue("--threads must be 0 (all cores) or more", "bench", "--threads", "-2");
    }

    private static void assertBadValue(String message, String... args) {
        Result r = run(args);
        assertEquals(Main.USAGE, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), String.join(" ", args) + ": " + r.err());
    }

    @Test
    void missingDataFolderIsOneClearLine(@TempDir Path tmp) {
        Path missing = tmp.resolve("nowhere");
        Result r = run("train", "--device", "cpu", "--data", missing.toString(), "--out", tmp.resolve("run").toString());
        assertEquals(Main.FAILED, r.code());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void evalNeedsOnlyTheTestFiles(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("only-test"));
        int n = 30, h = 28, w = 28;
        java.nio.ByteBuffer idx = java.nio.ByteBuffer.allocate(16 + n * h * w).putInt(0x803).putInt(n).putInt(h).putInt(w);
        java.util.Random random = new java.util.Random(3);
        while (idx.hasRemaining()) idx.put((byte) random.nextInt(256));
        Files.write(data.resolve("t10k-images-idx3-ubyte"), idx.array());
        Path model = tmp.resolve("model.safetensors");
        cae.model.ModelFile.write(model, cae.model.Architecture.RECIPE, cae.model.Parameters.glorotInit(cae.model.Architecture.RECIPE, 1),
                java.util.Map.of());

        Result eval = run("eval", "--device", "cpu", "--data", data.toString(), model.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("on the test images in " + data + ": 30 images of 28 x 28, noise 0.5"), eval.out());
        assertTrue(eval.out().contains("PSNR denoised"), eval.out());

        Result train = run("train", "--device", "cpu", "--data", data.toString(), "--out", tmp.resolve("run").toString());
        assertEquals(Main.FAILED, train.code());
        assertTrue(train.err().contains("no train-images-idx3-ubyte"), train.err());
    }

    @Test
    void missingModelIsOneClearLine(@TempDir Path tmp) {
        Path missing = tmp.resolve("model.safetensors");
        Result r = run("eval", "--device", "cpu", missing.toString());
        assertEquals(Main.FAILED, r.code());
        assertTrue(r.err().contains(missing + ": no such model file"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void refusesToOverwriteAnExistingRun(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("checkpoint.safetensors"), "x");
        Result r = run("train", "--device", "cpu", "--out", tmp.toString());
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("already holds a run"), r.err());
    }

    @Test
    void cudaDeviceFailsClearlyWithoutAGpuAndAutoFallsBack() {
        org.junit.jupiter.api.Assumptions.assumeTrue(cae.engine.select.CudaAvailability.reasonUnavailable() != null,
                "this machine can run the CUDA engine");
        Result cuda = run("bench", "--device", "cuda", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertEquals(Main.USAGE, cuda.code());
        assertTrue(cuda.err().contains("--device cuda: " + cae.engine.select.CudaAvailability.reasonUnavailable()), cuda.err());

        Result auto = run("bench", "--device", "auto", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("note: using the CPU engine: " + cae.engine.select.CudaAvailability.reasonUnavailable()), auto.err());
        assertTrue(auto.out().contains("cpu"), auto.out());
    }

    @Test
    void aFailedGpuCallIsOneLineButABugKeepsItsStackTrace() {
        String failed = "cuMemAlloc(40000 bytes for a tensor [100, 1, 28, 28]) failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)";
        assertEquals(failed, Main.userMessage(new cae.engine.cuda.CudaException(failed)));
        assertNull(Main.userMessage(new IllegalStateException("a bug")));
    }

    /** A data folder of n training and n test images of 8 x 8 (IDX, no labels), pixel values from the seed. */
    static Path tinyData(Path dir, int n, int seed) throws java.io.IOException {
        Files.createDirectories(dir);
        for (String name : new String[] {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"}) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + n * 64);
            b.putInt(0x00000803).putInt(n).putInt(8).putInt(8);
            for (int i = 0; i < n * 64; i++) b.put((byte) (seed + 13 * i));
            Files.write(dir.resolve(name), b.array());
        }
        return dir;
    }

    @Test
    void aBatchLargerThanTheTrainingImagesIsAUsageErrorAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path data = tinyData(tmp.resolve("data"), 20, 1), out = tmp.resolve("run");
        Result r = run("train", "--device", "cpu", "--data", data.toString(), "--out", out.toString());
        assertEquals(Main.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--batch 100 is larger than the 20 training images"), r.err());
        assertFalse(Files.exists(out), "no run folder is left behind");

        Result limited = run("compare", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--limit", "5",
                "--out", tmp.resolve("cmp").toString());
        assertEquals(Main.USAGE, limited.code(), limited.err());
        assertTrue(limited.err().contains("--batch 10 is larger than the 5 training images (--limit 5)"), limited.err());
    }

    @Test
    void aLimitAboveTheTrainingImagesSaysAllAreTaken(@TempDir Path tmp) throws Exception {
        Path data = tinyData(tmp.resolve("data"), 20, 1);
        Result r = run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1", "--limit", "50",
                "--out", tmp.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: --limit 50 is more than the 20 training images; training on all of them"), r.err());
        assertTrue(r.out().contains(": 20 train, no validation, 20 test images of 8 x 8, no labels; 2 steps per epoch"), r.out());
    }

    @Test
    void resumingKeepsTheCheckpointsSettingsAndItsOwnFolder(@TempDir Path tmp) throws Exception {
        Path data = tinyData(tmp.resolve("data"), 20, 1), a = tmp.resolve("a"), b = tmp.resolve("b");
        for (Path out : new Path[] {a, b})
            assertEquals(0, run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1",
                    "--out", out.toString()).code());
        byte[] aCheckpoint = Files.readAllBytes(a.resolve("checkpoint.safetensors"));

        Result otherRun = run("train", "--device", "cpu", "--data", data.toString(), "--resume", b.toString(), "--epochs", "2",
                "--out", a.toString());
        assertEquals(Main.USAGE, otherRun.code(), otherRun.err());
        assertTrue(otherRun.err().contains(a + " already holds another run"), otherRun.err());
        assertArrayEquals(aCheckpoint, Files.readAllBytes(a.resolve("checkpoint.safetensors")), "the other run is untouched");

        Result settings = run("train", "--device", "cpu", "--data", data.toString(), "--resume", b.toString(), "--epochs", "2",
                "--lr", "0.5", "--seed", "7");
        assertEquals(Main.USAGE, settings.code(), settings.err());
        assertTrue(settings.err().contains("--lr, --seed cannot change when resuming"), settings.err());

        Result own = run("train", "--device", "cpu", "--data", data.toString(), "--resume", b.toString(), "--epochs", "2",
                "--out", b.toString());
        assertEquals(0, own.code(), own.err());
    }

    @Test
    void damagedOrMisplacedModelFilesAreOneLine(@TempDir Path tmp) throws Exception {
        cae.model.Architecture arch = cae.model.Architecture.RECIPE;
        float[] params = cae.model.Parameters.glorotInit(arch, 1);
        params[123] = Float.NaN;
        Path nan = tmp.resolve("nan.safetensors");
        cae.model.ModelFile.write(nan, arch, params, java.util.Map.of());
        assertOneLine(Main.FAILED, nan + " holds a non-finite value (NaN at parameter 123)", "eval", "--device", "cpu", nan.toString());

        params[123] = 0;
        Path noise = tmp.resolve("noise.safetensors");
        cae.model.ModelFile.write(noise, arch, params, java.util.Map.of("noise", "abc"));
        assertOneLine(Main.FAILED, noise + ": its metadata's noise 'abc' is not a noise model", "eval", "--device", "cpu", noise.toString());

        Path checkpoint = tmp.resolve("checkpoint.safetensors");
        cae.train.Checkpoint.write(checkpoint, cae.train.TrainingState.fresh(new cae.train.TrainingConfig(1, 10, 1e-3f, 0.5f, 1, 0,
                cae.model.Decoder.NEAREST)), 1, "");
        assertOneLine(Main.FAILED, checkpoint + " is a training checkpoint, not a model", "eval", "--device", "cpu", checkpoint.toString());
    }

    @Test
    void tensorsTooLargeForTheEnginesAreAUsageErrorNotAnOverflow() {
        assertOneLine(Main.USAGE, "--batch 100000: 100000 images of 28x28 need tensors of about 2,880,000,000 values",
                "bench", "--device", "cpu", "--batch", "100000");
    }

    @Test
    void emptyNamesAndTheTopLevelReadPlainly() {
        assertOneLine(Main.USAGE, "cae train: Invalid value for option '--data': an empty name is not a file or folder",
                "train", "--device", "cpu", "--data", "");
        Result top = run();
        assertTrue(top.err().startsWith("cae: a subcommand is required"), top.err());
    }

    @Test
    void theLayoutProbeSaysItNeedsTheCudaEngine() {
        Result r = run("bench", "--device", "cpu", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2", "--layout-probe");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# layout probe: the CUDA engine only"), r.out());
    }

    @Test
    void cudaOptionsOnTheCpuEngineAreSaidToBeIgnored() {
        Result r = run("bench", "--device", "cpu", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2", "--tf32", "--fusion", "on");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: --tf32, --fusion are for the CUDA engine; the CPU engine runs without them"), r.err());
        Result plain = run("bench", "--device", "cpu", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertFalse(plain.err().contains("for the CUDA engine"), plain.err());
    }

    private static void assertOneLine(int code, String message, String... args) {
        Result r = run(args);
        assertEquals(code, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), String.join(" ", args) + ": " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
