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
        for (String cmd : new String[] {"train", "eval", "denoise", "bench", "fetch", "info"}) {
            Result r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: cae " + cmd), cmd + ": " + r.out());
        }
        Result top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("train") && top.out().contains("denoise"));
    }

    @Test
    void noSubcommandIsAUsageError() {
        Result r = run();
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("a subcommand is required"), r.err());
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
        assertBadValue("--threads must be positive", "bench", "--threads", "-2");
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
        org.junit.jupiter.api.Assumptions.assumeTrue(cae.engine.CudaAvailability.reasonUnavailable() != null,
                "this machine can run the CUDA engine");
        Result cuda = run("bench", "--device", "cuda", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertEquals(Main.USAGE, cuda.code());
        assertTrue(cuda.err().contains("--device cuda: " + cae.engine.CudaAvailability.reasonUnavailable()), cuda.err());

        Result auto = run("bench", "--device", "auto", "--steps", "1", "--repeats", "1", "--warmup", "0", "--batch", "2");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("note: using the CPU engine: " + cae.engine.CudaAvailability.reasonUnavailable()), auto.err());
        assertTrue(auto.out().contains("cpu"), auto.out());
    }

    @Test
    void aFailedGpuCallIsOneLineButABugKeepsItsStackTrace() {
        String failed = "cuMemAlloc(40000 bytes for a tensor [100, 1, 28, 28]) failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)";
        assertEquals(failed, Main.userMessage(new cae.engine.cuda.CudaException(failed)));
        assertNull(Main.userMessage(new IllegalStateException("a bug")));
    }
}
