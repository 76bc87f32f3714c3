package cae.kernels;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU programs for the CUDA kernels (native-tests/host): cae_kernel_host runs their per-element
 * bodies, cae_kernel_launch the __global__ kernels themselves through a CPU emulation of the launch.
 * Each is built once per test run into target/native-host, then run once per op on little-endian array
 * files. Tests using them are skipped, with the reason, where there is no C++ compiler (or, for the
 * launches, none with C++20's <barrier>) or no bash.
 */
final class KernelHost {
    /** SPEC section 6: strict FP32 results agree with the CPU engine to this relative error. */
    static final double TOLERANCE = 1e-5;

    /** One of the two programs, built on first use. */
    private static final class Program {
        final String target, name;
        Path executable;
        String skipReason;

        Program(String target, String name) {
            this.target = target;
            this.name = name;
        }

        synchronized Path executable() {
            if (executable == null && skipReason == null) build();
            Assumptions.assumeTrue(skipReason == null, () -> "native-tests/host: " + skipReason);
            return executable;
        }

        private void build() {
            Path out = Path.of("target", "native-host");
            Result r;
            try {
                r = exec(List.of("bash", "native-tests/host/build.sh", out.toString(), target));
            } catch (IOException e) {
                skipReason = "cannot run bash (" + e.getMessage() + ")";
                return;
            }
            if (r.exitCode == 77) skipReason = r.output.trim();
            else if (r.exitCode != 0) fail("native-tests/host/build.sh " + target + " failed:\n" + r.output);
            else executable = out.resolve(name).toAbsolutePath();
        }

        void run(Object... args) {
            List<String> command = new ArrayList<>();
            command.add(executable().toString());
            for (Object a : args) command.add(a.toString());
            try {
                Result r = exec(command);
                assertEquals(0, r.exitCode, () -> name + " " + args[0] + " failed:\n" + r.output);
            } catch (IOException e) {
                fail("cannot run " + command.get(0), e);
            }
        }
    }

    private static final Program HOST = new Program("host", "cae_kernel_host");
    private static final Program LAUNCH = new Program("launch", "cae_kernel_launch");

    private KernelHost() {}

    /** Runs one op of the bodies' harness; any failure fails the test with the harness's message. */
    static void run(Object... args) { HOST.run(args); }

    /** Runs one op (the same arguments as {@link #run}) through the kernels' emulated launches. */
    static void launch(Object... args) { LAUNCH.run(args); }

    private record Result(int exitCode, String output) {}

    private static Result exec(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command.get(0) + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return new Result(p.exitValue(), output);
    }

    // ---- array files ----

    static Path writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Files.write(file, b.array());
    }

    static Path writeInts(Path file, int[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return Files.write(file, b.array());
    }

    static float[] readFloats(Path file, int count) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(count * 4L, bytes.length, () -> file + ": wrong length");
        float[] values = new float[count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    // ---- inputs and comparison ----

    /** Uniform in [-scale, scale), never exactly zero. */
    static float[] randomFloats(Random random, int count, float scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            do v[i] = (random.nextFloat() * 2 - 1) * scale; while (v[i] == 0f);
        }
        return v;
    }

    /**
     * The reference for the ReLU-mask + bias-gradient kernels: zeroes {@code dy} (n x c x hw, in place)
     * where {@code y <= 0} when {@code relu}, and returns each channel's sum of the result, in double.
     */
    static float[] maskReluAndSumBias(float[] y, float[] dy, int c, int hw, boolean relu) {
        double[] sums = new double[c];
        for (int i = 0; i < dy.length; i++) {
            if (relu && y[i] <= 0f) dy[i] = 0f;
            sums[i / hw % c] += dy[i];
        }
        float[] bias = new float[c];
        for (int ch = 0; ch < c; ch++) bias[ch] = (float) sums[ch];
        return bias;
    }

    /** ||actual - expected|| / ||expected||, in double. */
    static double relativeError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, "length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff) / Math.sqrt(norm);
    }

    /** Relative error within {@link #TOLERANCE}, against an expected value that is not all zeros. */
    static void assertClose(String what, float[] actual, float[] expected) {
        double norm = 0;
        for (float e : expected) norm += (double) e * e;
        assertTrue(norm > 0, what + ": the expected values are all zero, so the comparison would prove nothing");
        double error = relativeError(actual, expected);
        assertTrue(error <= TOLERANCE, what + ": relative error " + error + " > " + TOLERANCE);
    }
}
