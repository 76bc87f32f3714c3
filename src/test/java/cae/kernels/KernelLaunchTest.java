package cae.kernels;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static cae.kernels.KernelHost.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The __global__ kernels themselves, launched with the CUDA engine's grid shapes in the CPU emulation
 * (native-tests/host/kernel_launch.cpp), give the same bits as their per-element bodies in the
 * harness, which the other kernel tests compare with the CPU engine. This checks what only a launch
 * has: block and grid indices, grid-stride loops (the emulation gives them fewer blocks than elements
 * need), shared-memory sums and barriers, where the partial sums go, and that every output element is
 * written (the launches start from NaN). Every kernel of kernels/*.cu but step_scalars_set (a copy of
 * its by-value argument, which the GPU tests exercise).
 */
class KernelLaunchTest {
    @TempDir Path dir;
    private final Random random = new Random(2026);

    /** Runs one op both ways, outputs named by the {@code out:} arguments, and compares them byte for byte. */
    private void sameBits(Object... args) throws IOException {
        List<Object> host = new ArrayList<>(), launched = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof String s && s.startsWith("out:")) {
                outputs.add(s.substring(4));
                host.add(dir.resolve("host-" + s.substring(4)));
                launched.add(dir.resolve("launch-" + s.substring(4)));
            } else {
                host.add(a);
                launched.add(a);
            }
        }
        run(host.toArray());
        launch(launched.toArray());
        for (String o : outputs)
            assertArrayEquals(Files.readAllBytes(dir.resolve("host-" + o)), Files.readAllBytes(dir.resolve("launch-" + o)),
                    args[0] + ": " + o + " differs between the launched kernel and its body");
    }

    /** Random values in [-1, 1), or a ReLU output (zeros included) when relu. */
    private Path input(String name, int count, boolean relu) throws IOException {
        float[] v = randomFloats(random, count, 1f);
        if (relu) for (int i = 0; i < count; i++) v[i] = Math.max(v[i] - 0.3f, 0f);
        return writeFloats(dir.resolve(name), v);
    }

    @ParameterizedTest(name = "{0}x{1}x{2}x{3}")
    @CsvSource({"3, 4, 28, 28", "2, 3, 7, 7", "2, 2, 5, 8"})
    void maxPoolBackwardAndItsFusion(int n, int c, int h, int w) throws IOException {
        int hw = h * w, pooled = n * c * ((h + 1) / 2) * ((w + 1) / 2);
        Path y = input("y", n * c * hw, true), dPooled = input("dPooled", pooled, false), dy = input("dy", n * c * hw, false);
        sameBits("maxpool_same_backward", n, c, h, w, y, dPooled, "out:dx");
        sameBits("relu_backward_bias_grad", n, c, hw, 1, y, dy, "out:dy", "out:db");
        sameBits("maxpool_relu_backward_bias_grad", n, c, h, w, y, dPooled, "out:dy", "out:db");
    }

    @ParameterizedTest(name = "{0}x{1}, {2}x{3} -> {4}x{5}")
    @CsvSource({"3, 4, 14, 14, 28, 28", "2, 3, 4, 4, 7, 7", "2, 2, 7, 9, 4, 5"})
    void resizeBackwardFusion(int n, int c, int h, int w, int oh, int ow) throws IOException {
        Path y = input("y", n * c * h * w, true), dResized = input("dResized", n * c * oh * ow, false);
        sameBits("resize_relu_backward_bias_grad", n, c, h, w, oh, ow, y, dResized, "out:dy", "out:db");
    }

    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2} channels, relu {5}")
    // 5, 6: a last group partly filled; 8 and 32 inputs: more staged weights (288, 1,152) than a block has threads
    @CsvSource({"3, 4, 8, 14, 14, true", "2, 3, 5, 7, 7, false", "37, 2, 6, 9, 8, true", "2, 8, 6, 7, 7, true", "1, 32, 4, 5, 5, false"})
    void directConvolution(int n, int cin, int cout, int h, int w, boolean relu) throws IOException {
        Path x = input("x", n * cin * h * w, false), weight = input("w", cout * cin * 9, false), bias = input("b", cout, false);
        sameBits("direct_conv_forward", n, cin, cout, h, w, relu ? 1 : 0, x, weight, bias, "out:y");
    }

    @ParameterizedTest(name = "{0}x{2}x{3}, {1} wide channels, relu {4}")
    @CsvSource({"3, 5, 28, 28, true", "2, 3, 9, 8, false", "37, 2, 9, 8, true", "2, 1, 3, 3, true"})
    void thinConvolutions(int n, int c, int h, int w, boolean relu) throws IOException {
        int narrow = n * h * w, wide = narrow * c, pooled = (h + 1) / 2 * ((w + 1) / 2);
        int r = relu ? 1 : 0;
        Path weight = input("w", c * 9, false), bias = input("b", c, false), bias1 = input("b1", 1, false);
        Path xNarrow = input("xNarrow", narrow, false), xWide = input("xWide", wide, false);
        Path yWide = input("yWide", wide, true), yNarrow = input("yNarrow", narrow, true);
        Path dyWide = input("dyWide", wide, false), dyNarrow = input("dyNarrow", narrow, false);
        Path dPooledWide = input("dpWide", n * c * pooled, false), dPooledNarrow = input("dpNarrow", n * pooled, false);

        sameBits("thin_conv_in1_forward", n, c, h, w, r, xNarrow, weight, bias, "out:y");
        sameBits("thin_conv_out1_forward", n, c, h, w, r, xWide, weight, bias1, "out:y");
        sameBits("thin_conv_in1_backward_data", n, c, h, w, dyWide, weight, "out:dx");
        sameBits("thin_conv_out1_backward_data", n, c, h, w, dyNarrow, weight, "out:dx");
        for (int store : new int[] {0, 1}) {
            // one input channel (dy wide), then one output channel (dy narrow); from dy, then from a pooled gradient
            sameBits("thin_conv_weight_grad", n, c, h, w, 1, r, store, xNarrow, relu ? yWide : "-", dyWide, "-", "out:dy", "out:dw", "out:db");
            sameBits("thin_conv_weight_grad", n, c, h, w, 0, r, store, xWide, relu ? yNarrow : "-", dyNarrow, "-", "out:dy", "out:dw", "out:db");
            sameBits("thin_conv_weight_grad", n, c, h, w, 1, r, store, xNarrow, yWide, "-", dPooledWide, "out:dy", "out:dw", "out:db");
            sameBits("thin_conv_weight_grad", n, c, h, w, 0, r, store, xWide, yNarrow, "-", dPooledNarrow, "out:dy", "out:dw", "out:db");
        }
    }

    /** The kernels that read their per-step values (loss slot, Adam's rate, batch offset and step) from the step scalars. */
    @ParameterizedTest(name = "count {0}")
    @CsvSource({"78400", "1000", "300"})
    void kernelsThatReadTheStepScalars(int count) throws IOException {
        Path logits = input("logits", count, false), target = input("target", count, true);
        sameBits("sigmoid_xent", count, logits, target, "out:grad", "out:loss");

        // Adam updates p, m and v in place: each program gets its own copies
        float[] p = randomFloats(random, count, 1f), g = randomFloats(random, count, 1f), m = randomFloats(random, count, 0.1f);
        float[] v = randomFloats(random, count, 0.1f);
        for (int i = 0; i < count; i++) v[i] = Math.abs(v[i]);
        Path gFile = writeFloats(dir.resolve("g"), g);
        for (String who : new String[] {"host", "launch"}) {
            Object[] args = {"adam_update", count, 1.7e-3f, 0.9f, 0.999f, 1e-8f, writeFloats(dir.resolve(who + "-p"), p), gFile,
                    writeFloats(dir.resolve(who + "-m"), m), writeFloats(dir.resolve(who + "-v"), v)};
            if (who.equals("host")) run(args);
            else launch(args);
        }
        for (String f : new String[] {"p", "m", "v"})
            assertArrayEquals(Files.readAllBytes(dir.resolve("host-" + f)), Files.readAllBytes(dir.resolve("launch-" + f)),
                    "adam_update: " + f + " differs between the launched kernel and its body");

        int images = 7, plane = count / 100 + 1, n = 3;
        byte[] pixels = new byte[images * plane];
        random.nextBytes(pixels);
        Path imagesFile = Files.write(dir.resolve("images"), pixels), order = writeInts(dir.resolve("order"), new int[] {6, 2, 0, 5, 1, 4, 3});
        sameBits("gather_noise", images, plane, 2, n, 0.5f, "12345678901", "42", imagesFile, order, "out:clean", "out:noisy");
        sameBits("gather_noise", images, plane, 4, n, 0f, "1", "1", imagesFile, order, "out:clean", "-");
    }

    /** The weight gradient with im2col folded in: shared-memory tiles with their halo, groups of output channels. */
    @ParameterizedTest(name = "{0}x{1}x{3}x{4} -> {2}, {5} samples and {6} row tiles per block")
    @CsvSource({"3, 32, 32, 14, 14, 1, 1", "5, 16, 6, 7, 7, 2, 2", "2, 3, 5, 9, 40, 1, 2", "2, 8, 8, 28, 28, 1, 2"})
    void weightGradient(int n, int cin, int cout, int h, int w, int samplesPerBlock, int tilesPerBlock) throws IOException {
        sameBits("conv3x3_weight_grad", n, cin, cout, h, w, samplesPerBlock, tilesPerBlock, input("x", n * cin * h * w, false),
                input("dy", n * cout * h * w, false), "out:dw");
    }

    /** Every element-wise kernel (one output element per grid index), launched with fewer blocks than elements. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "resize_nearest_forward   | 2 3 4 4 7 7",
            "resize_nearest_backward  | 2 3 7 7 14 14",
            "resize_bilinear_forward  | 2 3 4 4 7 7",
            "resize_bilinear_backward | 2 3 7 7 14 14",
            "maxpool_same_forward     | 2 5 7 7",
            "maxpool_same_gather      | 2 5 6 5",
            "sigmoid_forward          | 3000",
            "bias_relu_forward        | 3 4 49 1",
            "im2col3x3                | 2 3 7 7",
            "col2im3x3                | 2 3 7 7",
            "im2col3x3_s2             | 2 3 4 4 7 7",
            "col2im3x3_s2             | 2 3 4 4 8 8"})
    void elementwiseKernels(String op, String dims) throws IOException {
        int[] d = Arrays.stream(dims.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
        List<Object> args = new ArrayList<>(List.of(op));
        for (int v : d) args.add(v);
        int[] inputs = switch (op) {
            case "resize_nearest_forward", "resize_bilinear_forward" -> new int[] {d[0] * d[1] * d[2] * d[3]};
            case "resize_nearest_backward", "resize_bilinear_backward" -> new int[] {d[0] * d[1] * d[4] * d[5]};
            case "maxpool_same_forward" -> new int[] {d[0] * d[1] * d[2] * d[3]};
            case "maxpool_same_gather" -> new int[] {d[0] * d[1] * d[2] * d[3], d[0] * d[1] * d[2] * d[3]};
            case "sigmoid_forward" -> new int[] {d[0]};
            case "bias_relu_forward" -> new int[] {d[0] * d[1] * d[2], d[1]};
            case "im2col3x3" -> new int[] {d[0] * d[1] * d[2] * d[3]};
            case "col2im3x3", "col2im3x3_s2" -> new int[] {d[0] * d[1] * 9 * d[2] * d[3]};
            case "im2col3x3_s2" -> new int[] {d[0] * d[1] * d[4] * d[5]};
            default -> throw new IllegalArgumentException(op);
        };
        for (int i = 0; i < inputs.length; i++) args.add(input("in" + i, inputs[i], op.equals("maxpool_same_gather") && i == 0));
        args.add("out:out");
        sameBits(args.toArray());
    }
}
