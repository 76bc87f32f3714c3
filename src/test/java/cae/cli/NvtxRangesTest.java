package cae.cli;

import cae.data.MnistFetcher;
import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * --nvtx against a fake NVTX library (src/main/native/nvtx/test/fake_nvtx.c, built here with gcc)
 * that writes every push and pop to a file: each command names its phases, nested as documented, and
 * with the CPU engine each op inside its step; every range is popped on the thread that pushed it,
 * after a normal end, an exception (a diverged run) and Ctrl-C. Each run is a process of its own, as
 * NVTX is bound once per process.
 */
class NvtxRangesTest {
    private static Path fake;
    @TempDir Path tmp;

    @BeforeAll
    static void buildFakeNvtx(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("gcc"), "gcc is needed to build the fake NVTX library");
        assumeTrue(NvtxRangesTest.class.getResource("/cae/nvtx/libcae-nvtx.so") != null,
                "the build made no NVTX shim (no gcc when Maven ran src/main/native/nvtx/build.sh)");
        fake = dir.resolve("libfake-nvtx.so");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", fake.toString(), "src/main/native/nvtx/test/fake_nvtx.c")
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gcc.exitValue(), out);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    /** What a process printed and the ranges it pushed: each as its path, "outer/inner/name", in push order. */
    private record Run(int code, String output, List<String> pushed) {
        long count(String path) { return pushed.stream().filter(path::equals).count(); }

        void has(String path) { assertTrue(pushed.contains(path), "no range " + path + " in " + new HashSet<>(pushed)); }
    }

    /** Runs `cae ARGS` with the fake NVTX; {@code onLine} sees each output line as it comes (and the process). */
    private Run cae(Consumer<String[]> onLine, String... args) throws Exception {
        Path calls = tmp.resolve("nvtx-calls.txt");
        Files.deleteIfExists(calls);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "cae.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("CAE_NVTX_LIB", fake.toString());
        pb.environment().put("FAKE_NVTX_LOG", calls.toString());
        Process p = pb.start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                output.append(line).append('\n');
                onLine.accept(new String[] {line, Long.toString(p.pid())});
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cae " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), output.toString(), balancedRanges(calls));
    }

    private Run cae(String... args) throws Exception { return cae(line -> {}, args); }

    /** The ranges in the fake's file, after checking that on every thread each pop closes a push and nothing stays open. */
    private static List<String> balancedRanges(Path calls) throws Exception {
        assertTrue(Files.exists(calls), "no NVTX call was made");
        Map<String, Deque<String>> open = new HashMap<>();
        List<String> pushed = new ArrayList<>();
        for (String line : Files.readAllLines(calls)) {
            String[] parts = line.split(" ", 3);
            Deque<String> stack = open.computeIfAbsent(parts[0], t -> new ArrayDeque<>());
            if (parts[1].equals("push")) {
                String path = stack.isEmpty() ? parts[2] : stack.peek() + "/" + parts[2];
                stack.push(path);
                pushed.add(path);
            } else {
                assertEquals("pop", parts[1], line);
                assertFalse(stack.isEmpty(), "a pop with no range open on thread " + parts[0]);
                stack.pop();
            }
        }
        open.forEach((thread, stack) -> assertTrue(stack.isEmpty(), "left open on thread " + thread + ": " + stack));
        return pushed;
    }

    private Path tinyData() throws Exception { return CommandLineTest.tinyData(tmp.resolve("data"), 40, 3); }

    private Path model() throws Exception {
        Path file = tmp.resolve("model.safetensors");
        ModelFile.write(file, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 5), Map.of());
        return file;
    }

    @Test
    void trainingNamesItsPhasesEpochsStepsAndOps() throws Exception {
        Run run = cae("train", "--device", "cpu", "--epochs", "2", "--batch", "10", "--data", tinyData().toString(),
                "--out", tmp.resolve("run").toString(), "--nvtx", "-v");
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("nvtx: ranges through " + fake), run.output());
        run.has("data loading");
        run.has("run nearest/upload train images");
        run.has("run nearest/upload test images");
        assertEquals(4, run.count("run nearest/epoch 1/step"), "40 images, batch 10");
        assertEquals(4, run.count("run nearest/epoch 2/step"));
        run.has("run nearest/epoch 1/step/gather+noise");
        assertEquals(4, run.count("run nearest/epoch 1/step/conv 1->32 @8x8 forward"));
        run.has("run nearest/epoch 1/step/adam");
        run.has("run nearest/epoch 1/checkpoint");
        run.has("run nearest/epoch 2/checkpoint");
        run.has("run nearest/evaluation/evaluation batch/conv 1->32 @8x8 forward");
        run.has("run nearest/model file");
        run.has("run nearest/samples/evaluation batch");
    }

    @Test
    void aRunEndedByAnExceptionLeavesNoRangeOpen() throws Exception {
        // the loss becomes infinite within the first epoch: DivergedException, exit 1
        Run run = cae("train", "--device", "cpu", "--epochs", "2", "--batch", "10", "--lr", "1e30", "--data", tinyData().toString(),
                "--out", tmp.resolve("run").toString(), "--nvtx");
        assertEquals(1, run.code(), run.output());
        assertTrue(run.output().contains("training diverged"), run.output());
        run.has("run nearest/epoch 1/step/adam");
    }

    @Test
    void ctrlCLeavesNoRangeOpenAndTheCheckpointIsARange() throws Exception {
        Path mnist = MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        Run run = cae(line -> {
            if (line[0].startsWith("Epoch: 1/1... Training loss:")) {   // after step 100 of 500: Ctrl-C
                try {
                    new ProcessBuilder("kill", "-INT", line[1]).inheritIO().start().waitFor();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }, "train", "--device", "cpu", "--epochs", "1", "--limit", "5000", "--batch", "10", "--data", mnist.toString(),
                "--out", tmp.resolve("run").toString(), "--nvtx");
        assertEquals(130, run.code(), run.output());
        assertTrue(run.output().contains("interrupted at step "), run.output());
        long steps = run.count("run nearest/epoch 1/step");
        assertTrue(steps >= 100 && steps < 500, steps + " steps");
        assertEquals("run nearest/checkpoint", run.pushed().get(run.pushed().size() - 1), "the checkpoint written on Ctrl-C comes last");
    }

    @Test
    void evalDenoiseBenchAndCompareNameTheirPhases() throws Exception {
        Path data = tinyData(), model = model();
        Run eval = cae("eval", model.toString(), "--device", "cpu", "--data", data.toString(), "--nvtx");
        assertEquals(0, eval.code(), eval.output());
        eval.has("data loading");
        eval.has("evaluation/evaluation batch/conv 1->32 @8x8 forward");

        Path image = tmp.resolve("a.png");
        GreyImages.write(image, new float[9 * 9], 9, 9);
        Run denoise = cae("denoise", "--device", "cpu", "--model", model.toString(), "--out", tmp.resolve("out").toString(),
                image.toString(), "--nvtx");
        assertEquals(0, denoise.code(), denoise.output());
        denoise.has("data loading");
        denoise.has("denoise 9x9/denoise batch/conv 1->32 @9x9 forward");

        Run bench = cae("bench", "--device", "cpu", "--batch", "2", "--steps", "2", "--repeats", "1", "--warmup", "0", "--threads", "1",
                "--nvtx");
        assertEquals(0, bench.code(), bench.output());
        assertEquals(2, bench.count("bench batch 2/epoch 1/step"));
        bench.has("bench batch 2/epoch 1/step/adam");

        Run compare = cae("compare", "--device", "cpu", "--decoders", "nearest,bilinear", "--epochs", "1", "--batch", "10",
                "--limit", "20", "--data", data.toString(), "--out", tmp.resolve("compare").toString(), "--nvtx");
        assertEquals(0, compare.code(), compare.output());
        compare.has("data loading");
        compare.has("upload test images");
        compare.has("untrained nearest");
        assertEquals(2, compare.count("run bilinear/epoch 1/step"));
        compare.has("run bilinear/evaluation");
        compare.has("trained bilinear/samples");
    }
}
