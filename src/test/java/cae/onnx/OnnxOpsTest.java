package cae.onnx;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each op as the tracer writes it, run by ONNX Runtime, against the CPU engine on the same input:
 * the cases the whole model meets rarely or only at some sizes (ties, odd sides, negative values
 * next to a pooling pad, each resize ratio, both transposed output sizes).
 */
class OnnxOpsTest {

    /** Ops from {@code in} to {@code out} on an engine; {@code params}, when given, is a written parameter buffer. */
    interface Ops {
        void run(Engine e, Tensor in, Tensor params, Tensor out);
    }

    record Outputs(float[] cpu, float[] onnx) {}

    static Outputs both(int[] inShape, float[] input, int[] outShape, float[] params, Ops ops) throws Exception {
        float[] cpu = new float[size(outShape)];
        try (CpuEngine e = new CpuEngine(1)) {
            Tensor in = e.zeros(inShape), out = e.zeros(outShape), p = params == null ? null : e.zeros(params.length);
            e.write(in, input);
            if (p != null) e.write(p, params);
            e.fill(out, Float.NaN);
            ops.run(e, in, p, out);
            e.read(out, cpu);
        }
        GraphTracer tracer = new GraphTracer();
        Tensor in = tracer.zeros(inShape), out = tracer.zeros(outShape), p = params == null ? null : tracer.zeros(params.length);
        if (p != null) tracer.write(p, params);
        tracer.input(in, OnnxExport.INPUT);
        tracer.output(out, OnnxExport.OUTPUT);
        ops.run(tracer, in, p, out);
        byte[] model = tracer.graph().model("ops", "", OnnxExport.OPSET, "cae tests", Map.of());
        try (OnnxRuntime ort = new OnnxRuntime(model)) {
            return new Outputs(cpu, ort.run(input, toLongs(inShape), toLongs(outShape)));
        }
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    static long[] toLongs(int[] shape) {
        long[] longs = new long[shape.length];
        for (int i = 0; i < shape.length; i++) longs[i] = shape[i];
        return longs;
    }

    static float[] random(int n, long seed, double from, double to) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float) random.nextDouble(from, to);
        return values;
    }

    /** Pool, then unpool the pooled values' sigmoid (different from the maxima, so a wrong cell shows). */
    static final Ops POOL_UNPOOL = (e, in, p, out) -> {
        int[] pooled = {in.n(), in.c(), (in.h() + 1) / 2, (in.w() + 1) / 2};
        Tensor maxima = e.zeros(pooled), values = e.zeros(pooled);
        e.maxPool(in, maxima);
        e.sigmoid(maxima, values);
        e.maxUnpool(in, maxima, values, out);
    };

    @Test
    void unpoolingPutsEachValueAtTheFirstMaximumOfItsWindowOnTies() throws Exception {
        int h = 5, w = 7;
        int[] shape = {2, 3, h, w};
        float[] input = new float[size(shape)];
        // channel 0: one value everywhere, so every cell of every window ties
        // channel 1: a few levels only, so many windows tie on two or three cells, the partial ones at the bottom and right too
        // channel 2: all zero but the last row and column, where the one-cell-wide windows meet the pad
        SplittableRandom random = new SplittableRandom(3);
        for (int n = 0; n < 2; n++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int base = ((n * 3) * h + y) * w + x, plane = h * w;
                    input[base] = 0.25f;
                    input[base + plane] = random.nextInt(3) * 0.5f;
                    input[base + 2 * plane] = y == h - 1 || x == w - 1 ? -0.5f : 0f;
                }
        Outputs r = both(shape, input, shape, null, POOL_UNPOOL);
        // a value in the wrong cell is off by about 0.5 there; the sigmoids differ in the last bits
        assertArrayEquals(r.cpu(), r.onnx(), 1e-6f, "max-unpooling with ties");
        // the first maximum in row-major window order is the window's top-left cell in channel 0
        float atMaximum = (float) (1 / (1 + Math.exp(-0.25)));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float expected = y % 2 == 0 && x % 2 == 0 ? atMaximum : 0f;
                assertEquals(expected, r.onnx()[y * w + x], 1e-6, "channel 0 at " + y + "," + x);
            }
        int tiedWindows = 0;  // in channel 1 of image 0, windows whose maximum is in two cells or more
        for (int y = 0; y < h; y += 2)
            for (int x = 0; x < w; x += 2) {
                float max = Float.NEGATIVE_INFINITY;
                int count = 0;
                for (int yy = y; yy < Math.min(y + 2, h); yy++)
                    for (int xx = x; xx < Math.min(x + 2, w); xx++) {
                        float v = input[(h + yy) * w + xx];
                        if (v > max) { max = v; count = 1; } else if (v == max) count++;
                    }
                if (count > 1) tiedWindows++;
            }
        assertTrue(tiedWindows >= 3, "the crafted input ties in " + tiedWindows + " windows of channel 1");
    }

    @Test
    void unpoolingOfRandomValuesWithOddSides() throws Exception {
        for (int[] size : new int[][] {{1, 1}, {1, 2}, {3, 3}, {6, 9}, {13, 13}}) {
            int[] shape = {2, 4, size[0], size[1]};
            Outputs r = both(shape, random(size(shape), 5, -1, 1), shape, null, POOL_UNPOOL);
            assertArrayEquals(r.cpu(), r.onnx(), 1e-6f, size[0] + "x" + size[1]);
        }
    }

    /** Negative values next to the pad of an odd side: a padded cell counted as 0 would win there. */
    @Test
    void poolingPadsOnTheBottomAndRightAndThePadNeverWins() throws Exception {
        for (int[] size : new int[][] {{1, 1}, {7, 7}, {7, 8}, {8, 9}, {13, 4}}) {
            int[] in = {2, 3, size[0], size[1]}, out = {2, 3, (size[0] + 1) / 2, (size[1] + 1) / 2};
            Outputs r = both(in, random(size(in), 7, -2, -1), out, null, (e, x, p, y) -> e.maxPool(x, y));
            assertArrayEquals(r.cpu(), r.onnx(), size[0] + "x" + size[1]);
            for (float v : r.onnx()) assertTrue(v < -1 + 1e-6, "a padded cell won: " + v);
        }
    }

    /** Resizes as {in height, out height, in width, out width}: the decoder's (2n - 1 and 2n, from 1 x 1 up) and two other ratios. */
    static final int[][] RESIZES = {{1, 1, 1, 1}, {1, 2, 1, 3}, {2, 3, 2, 4}, {4, 7, 4, 8}, {7, 14, 7, 13}, {13, 25, 14, 28}, {3, 10, 5, 9}};

    @Test
    void nearestResizeTakesTheRecipesSourceCellAtEveryRatio() throws Exception {
        for (int[] s : RESIZES) {
            Outputs r = both(new int[] {2, 3, s[0], s[2]}, random(2 * 3 * s[0] * s[2], 9, -1, 1), new int[] {2, 3, s[1], s[3]}, null,
                    (e, x, p, y) -> e.resize(x, y));
            assertArrayEquals(r.cpu(), r.onnx(), s[0] + "x" + s[2] + " -> " + s[1] + "x" + s[3]);
        }
    }

    @Test
    void bilinearResizeFollowsTensorFlowOnesRule() throws Exception {
        for (int[] s : RESIZES) {
            Outputs r = both(new int[] {2, 3, s[0], s[2]}, random(2 * 3 * s[0] * s[2], 9, -1, 1), new int[] {2, 3, s[1], s[3]}, null,
                    (e, x, p, y) -> e.bilinearResize(x, y));
            double error = OnnxRuntime.relativeError(r.onnx(), r.cpu());
            assertTrue(error <= OnnxExportTest.TOLERANCE, s[0] + "x" + s[2] + " -> " + s[1] + "x" + s[3] + ": relative error " + error);
        }
    }

    @Test
    void transposedConvolutionToTwiceTheSizeOrOneLess() throws Exception {
        int cin = 3, cout = 4;
        float[] params = random(cin * cout * 9 + cout, 13, -0.5, 0.5);
        for (boolean relu : new boolean[] {false, true})
            for (int[] s : new int[][] {{4, 7, 5, 9}, {4, 8, 5, 10}, {4, 7, 5, 10}, {1, 1, 1, 2}, {7, 14, 7, 13}}) {
                int[] in = {2, cin, s[0], s[2]}, out = {2, cout, s[1], s[3]};
                Outputs r = both(in, random(size(in), 17, -1, 1), out, params, (e, x, p, y) ->
                        e.transposedConv3x3(x, e.view(p, 0, cin, cout, 3, 3), e.view(p, cin * cout * 9, cout), y, relu));
                double error = OnnxRuntime.relativeError(r.onnx(), r.cpu());
                assertTrue(error <= OnnxExportTest.TOLERANCE, s[0] + "x" + s[2] + " -> " + s[1] + "x" + s[3] + " relu " + relu + ": " + error);
            }
    }

    @Test
    void convolutionWithAndWithoutRelu() throws Exception {
        int cin = 3, cout = 5;
        float[] params = random(cout * cin * 9 + cout, 19, -0.5, 0.5);
        for (boolean relu : new boolean[] {false, true})
            for (int[] s : new int[][] {{1, 1}, {7, 9}, {12, 5}}) {
                int[] in = {2, cin, s[0], s[1]}, out = {2, cout, s[0], s[1]};
                Outputs r = both(in, random(size(in), 23, -1, 1), out, params, (e, x, p, y) ->
                        e.conv3x3(x, e.view(p, 0, cout, cin, 3, 3), e.view(p, cout * cin * 9, cout), y, relu));
                double error = OnnxRuntime.relativeError(r.onnx(), r.cpu());
                assertTrue(error <= OnnxExportTest.TOLERANCE, s[0] + "x" + s[1] + " relu " + relu + ": " + error);
            }
    }

    /**
     * Add (the skips), Sub (the residual output, operands in order) and Identity (the linear output):
     * out = copy(x + sigmoid(x)) - x, which each op written wrong changes (the sigmoids may differ in
     * their last bit).
     */
    @Test
    void addSubtractAndCopy() throws Exception {
        int[] shape = {2, 3, 5, 4};
        Outputs r = both(shape, random(size(shape), 29, -2, 2), shape, null, (e, x, p, y) -> {
            Tensor squashed = e.zeros(shape), sum = e.zeros(shape), copied = e.zeros(shape);
            e.sigmoid(x, squashed);
            e.add(x, squashed, sum);
            e.copy(sum, copied);
            e.subtract(copied, x, y);
        });
        double error = OnnxRuntime.relativeError(r.onnx(), r.cpu());
        assertTrue(error <= OnnxExportTest.TOLERANCE, "relative error " + error);
    }

    /** An ONNX value is written once and the graph does not broadcast: an op in place, or on tensors of two shapes, is refused. */
    @Test
    void anElementwiseOpInPlaceOrOnTwoShapesIsRefused() {
        GraphTracer tracer = new GraphTracer();
        Tensor x = tracer.zeros(1, 2, 3, 3), y = tracer.zeros(1, 2, 3, 3), flat = tracer.zeros(1, 18, 1, 1);
        tracer.input(x, OnnxExport.INPUT);
        tracer.sigmoid(x, y);
        IllegalStateException inPlace = assertThrows(IllegalStateException.class, () -> tracer.add(x, y, y));
        assertTrue(inPlace.getMessage().contains("written twice"), inPlace.getMessage());
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> tracer.subtract(x, y, flat));
        assertTrue(shapes.getMessage().startsWith("subtract: shapes"), shapes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tracer.copy(y, flat));
    }

    @Test
    void whatAForwardPassDoesNotDoIsRefused() {
        GraphTracer tracer = new GraphTracer();
        Tensor x = tracer.zeros(1, 1, 4, 4), y = tracer.zeros(1, 1, 2, 2);
        UnsupportedOperationException backward = assertThrows(UnsupportedOperationException.class,
                () -> tracer.maxPoolBackward(x, y, y, x));
        assertTrue(backward.getMessage().contains("maxPoolBackward"), backward.getMessage());
        // x was never written: the graph would read an undefined value
        IllegalStateException unwritten = assertThrows(IllegalStateException.class, () -> tracer.maxPool(x, y));
        assertTrue(unwritten.getMessage().contains("before any op wrote it"), unwritten.getMessage());
    }
}
