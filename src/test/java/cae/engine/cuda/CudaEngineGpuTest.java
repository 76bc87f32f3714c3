package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every op of the CUDA engine against the CPU engine on fresh random inputs (never zeros), strict
 * FP32, relative L2 error <= 1e-5 (SPEC section 6). GPU outputs are filled with NaN before each op,
 * so an element the GPU does not write fails the comparison. Skipped, with the probe's reason, where
 * there is no usable GPU. The tests of the fused paths are tagged "fusion": the GPU check runs them
 * in a JVM of their own, so that a kernel fault there (which leaves the CUDA context unusable) cannot
 * fail the others.
 */
class CudaEngineGpuTest extends CudaOpComparison {
    CudaEngineGpuTest() { super(42); }

    @ParameterizedTest
    @EnumSource(value = CudaEngine.ConvPath.class, names = {"CUDNN", "GEMM"})
    void convolutionForwardAndBackward(CudaEngine.ConvPath path) {
        try (CudaEngine gpu = gpu(path)) {
            compareConvolutions(gpu, path.toString(), new int[][] {{3, 1, 32, 28, 28}, {5, 32, 16, 7, 7}, {2, 3, 4, 5, 9}});
        }
    }

    /** With TF32 tensor cores allowed, each convolution within SPEC section 6's per-op bound for TF32. */
    @Test
    void convolutionsWithTf32WithinTheirBound() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.CUDNN, Fusion.OFF, true)) {
            compareConvolutions(gpu, "CUDNN TF32", new int[][] {{3, 32, 32, 14, 14}, {3, 16, 32, 28, 28}, {5, 32, 16, 7, 7}}, TF32_TOLERANCE);
        }
    }

    /**
     * The fused convolutions, always and where they time faster: the one-channel layers on
     * kernels/thin_conv.cu, the others' forward through cudnnConvolutionBiasActivationForward (its
     * output NaN-poisoned first like every output here, so a fused call that read y would fail; under
     * ON only for 130 input channels, more than the direct kernel takes) or kernels/direct_conv.cu
     * (five output channels: a last group of four partly filled), and
     * their weight gradient on kernels/conv_wgrad.cu; on the GEMM path, whose data gradient then runs
     * without its weight gradient.
     */
    @Tag("fusion")
    @ParameterizedTest(name = "{0}, fusion {1}")
    @CsvSource({"CUDNN, ON", "CUDNN, AUTO", "GEMM, ON"})
    void fusedConvolutionsForwardAndBackward(CudaEngine.ConvPath path, Fusion fusion) {
        try (CudaEngine gpu = gpu(path, fusion)) {
            compareConvolutions(gpu, path + " fusion " + fusion, new int[][] {
                    {3, 1, 32, 28, 28}, {3, 32, 1, 28, 28}, {2, 1, 5, 5, 9}, {4, 16, 1, 7, 6}, {37, 3, 1, 9, 8}, {2, 1, 1, 3, 3},
                    {3, 32, 16, 7, 7}, {2, 3, 4, 5, 9}, {2, 16, 32, 14, 14}, {2, 6, 5, 6, 7}, {2, 130, 4, 5, 5}});
            // (where cuDNN refuses the fused call for a shape's algorithm, the engine falls back and
            // says so in its choices, which bench -v prints; the results above are checked either way)
            String choices = gpu.describeConvolution();
            if (fusion == Fusion.AUTO && path == CudaEngine.ConvPath.CUDNN)
                assertTrue(choices.contains("thin conv forward 3x1->32 28x28 relu: ") && choices.contains("thin conv backward 3x32->1 28x28: ")
                        && choices.contains("cuDNN conv + bias + ReLU forward 3x32->16 7x7 relu: ")
                        && choices.contains("direct conv forward 3x32->16 7x7 relu: ")
                        && choices.contains("im2col folded into the weight gradient 3x32->16 7x7: "), choices);
        }
    }

    /**
     * conv3x3PoolBackward (the encoder's stages) against the CPU engine: the max-pool backward fused
     * into the next kernel (fusion on, and auto), and the unfused way (off), for layers on the library
     * (fused with the ReLU mask and bias gradient) and one-channel layers (fused into their gradient
     * pass, with and without dx). Shapes {n, cin, cout, h, w}.
     */
    @Tag("fusion")
    @ParameterizedTest
    @EnumSource(value = Fusion.class)
    void convolutionThenPoolBackward(Fusion fusion) {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO, fusion)) {
            for (int[] s : new int[][] {{3, 32, 32, 14, 14}, {3, 32, 16, 7, 7}, {2, 3, 4, 5, 8}, {3, 1, 32, 28, 28}, {2, 5, 1, 6, 9}}) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4], oh = (h + 1) / 2, ow = (w + 1) / 2;
                String what = "fusion " + fusion + " conv " + cin + "->" + cout + " " + h + "x" + w + " + pool backward";
                Pair x = random(gpu, n, cin, h, w), weight = random(gpu, cout, cin, 3, 3);
                // the same ReLU output on both engines (not each engine's own convolution, whose last bits
                // may differ): which cell wins a window and which cells are masked must not depend on rounding
                float[] yValues = randoms(n * cout * h * w);
                for (int i = 0; i < yValues.length; i++) yValues[i] = Math.max(yValues[i] - 0.3f, 0f);
                Pair y = pair(gpu, yValues, n, cout, h, w), pooled = output(gpu, n, cout, oh, ow);
                cpu.maxPool(y.cpu, pooled.cpu);
                gpu.maxPool(y.gpu, pooled.gpu);
                float[] dPooledValues = randoms(n * cout * oh * ow);
                for (int i = 0; i < dPooledValues.length; i++) dPooledValues[i] += 0.25f;  // a bias sum that does not cancel
                Pair dPooled = pair(gpu, dPooledValues, n, cout, oh, ow), dy = output(gpu, n, cout, h, w);
                Pair dx = output(gpu, n, cin, h, w), dWeight = output(gpu, cout, cin, 3, 3), dBias = output(gpu, cout);
                cpu.conv3x3PoolBackward(x.cpu, weight.cpu, y.cpu, pooled.cpu, dPooled.cpu, true, dy.cpu, dx.cpu, dWeight.cpu, dBias.cpu);
                gpu.conv3x3PoolBackward(x.gpu, weight.gpu, y.gpu, pooled.gpu, dPooled.gpu, true, dy.gpu, dx.gpu, dWeight.gpu, dBias.gpu);
                assertClose(gpu, dx, what + " dx");
                assertClose(gpu, dWeight, what + " dWeight");
                assertClose(gpu, dBias, what + " dBias");

                // the first layer has no dx
                Pair dWeight2 = output(gpu, cout, cin, 3, 3), dBias2 = output(gpu, cout), dy2 = output(gpu, n, cout, h, w);
                cpu.conv3x3PoolBackward(x.cpu, weight.cpu, y.cpu, pooled.cpu, dPooled.cpu, true, dy2.cpu, null, dWeight2.cpu, dBias2.cpu);
                gpu.conv3x3PoolBackward(x.gpu, weight.gpu, y.gpu, pooled.gpu, dPooled.gpu, true, dy2.gpu, null, dWeight2.gpu, dBias2.gpu);
                assertClose(gpu, dWeight2, what + " dWeight without dx");
                assertClose(gpu, dBias2, what + " dBias without dx");
            }
            if (fusion == Fusion.AUTO)
                assertTrue(gpu.describeConvolution().contains("max-pool backward + ReLU mask + bias gradient 3x32 14x14: "), gpu.describeConvolution());
        }
    }

    /**
     * conv3x3ResizeBackward (the recipe's decoder stages) against the CPU engine: the nearest resize's
     * backward fused with the ReLU mask and bias gradient (fusion on, and auto) and the unfused way
     * (off), with and without ReLU. Shapes {n, cin, cout, h, w, resized h, resized w}.
     */
    @Tag("fusion")
    @ParameterizedTest
    @EnumSource(value = Fusion.class)
    void convolutionThenResizeBackward(Fusion fusion) {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO, fusion)) {
            for (int[] s : new int[][] {{3, 32, 32, 14, 14, 28, 28}, {3, 32, 32, 7, 7, 14, 14}, {2, 3, 4, 5, 8, 9, 17}, {2, 4, 3, 7, 9, 4, 5}}) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4], oh = s[5], ow = s[6];
                for (boolean relu : new boolean[] {true, false}) {
                    String what = "fusion " + fusion + " conv " + cin + "->" + cout + " " + h + "x" + w + " + resize to " + oh + "x" + ow
                            + " backward" + (relu ? " relu" : "");
                    Pair x = random(gpu, n, cin, h, w), weight = random(gpu, cout, cin, 3, 3);
                    float[] yValues = randoms(n * cout * h * w);  // the same ReLU output on both engines, so the same cells are masked
                    if (relu) for (int i = 0; i < yValues.length; i++) yValues[i] = Math.max(yValues[i] - 0.3f, 0f);
                    float[] dResizedValues = randoms(n * cout * oh * ow);
                    for (int i = 0; i < dResizedValues.length; i++) dResizedValues[i] += 0.25f;  // a bias sum that does not cancel
                    Pair y = pair(gpu, yValues, n, cout, h, w), dResized = pair(gpu, dResizedValues, n, cout, oh, ow);
                    Pair dy = output(gpu, n, cout, h, w), dx = output(gpu, n, cin, h, w);
                    Pair dWeight = output(gpu, cout, cin, 3, 3), dBias = output(gpu, cout);
                    cpu.conv3x3ResizeBackward(x.cpu, weight.cpu, y.cpu, dResized.cpu, relu, dy.cpu, dx.cpu, dWeight.cpu, dBias.cpu);
                    gpu.conv3x3ResizeBackward(x.gpu, weight.gpu, y.gpu, dResized.gpu, relu, dy.gpu, dx.gpu, dWeight.gpu, dBias.gpu);
                    assertClose(gpu, dy, what + " dy");
                    assertClose(gpu, dx, what + " dx");
                    assertClose(gpu, dWeight, what + " dWeight");
                    assertClose(gpu, dBias, what + " dBias");
                }
            }
            if (fusion == Fusion.AUTO)
                assertTrue(gpu.describeConvolution().contains("resize backward + ReLU mask + bias gradient 3x32 14x14<-28x28: "),
                        gpu.describeConvolution());
        }
    }

    /** The layout probe: a header, then forward, backward data and backward filter per shape, each with Find's time for both layouts, then the total. */
    @Test
    void layoutProbeTimesBothLayouts() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.CUDNN, Fusion.OFF, true)) {
            java.util.List<String> lines = cae.engine.cuda.bench.LayoutProbe.run(gpu, java.util.List.of(new int[] {8, 32, 16, 7, 7}, new int[] {4, 16, 32, 14, 14}));
            assertEquals(1 + 2 * 3 + 1, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(lines.size() - 1).startsWith("layout probe total over 2 shapes: "), lines.get(lines.size() - 1));
            for (String line : lines.subList(1, lines.size() - 1)) {
                String[] f = line.trim().split("\\s+");
                assertTrue(line.contains("forward") || line.contains("backward"), line);
                double nchw = Double.parseDouble(f[line.contains("forward") && !line.contains("backward") ? 5 : 6]);
                assertTrue(nchw > 0 && Double.isFinite(nchw), line);
            }
        }
    }

    private void compareConvolutions(CudaEngine gpu, String label, int[][] shapes) { compareConvolutions(gpu, label, shapes, TOLERANCE); }

    /** Forward, backward with dx and backward without dx (the first layer), with and without ReLU, per shape {n, cin, cout, h, w}. */
    private void compareConvolutions(CudaEngine gpu, String label, int[][] shapes, double tolerance) {
        for (int[] s : shapes) {
            int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
            for (boolean relu : new boolean[] {true, false}) {
                String what = label + " conv " + cin + "->" + cout + " " + h + "x" + w + (relu ? " relu" : "");
                Pair x = random(gpu, n, cin, h, w), weight = random(gpu, cout, cin, 3, 3), bias = random(gpu, cout);
                Pair y = output(gpu, n, cout, h, w);
                cpu.conv3x3(x.cpu, weight.cpu, bias.cpu, y.cpu, relu);
                gpu.conv3x3(x.gpu, weight.gpu, bias.gpu, y.gpu, relu);
                assertClose(gpu, y, what + " forward", tolerance);

                // centred on 0.25: a one-channel bias gradient sums thousands of dy values, and one that
                // cancels to near zero would compare rounding, not the engines
                float[] dyValues = randoms(n * cout * h * w);
                for (int i = 0; i < dyValues.length; i++) dyValues[i] += 0.25f;
                Pair dy = pair(gpu, dyValues, n, cout, h, w);
                Pair dx = output(gpu, n, cin, h, w), dWeight = output(gpu, cout, cin, 3, 3), dBias = output(gpu, cout);
                cpu.conv3x3Backward(x.cpu, weight.cpu, y.cpu, dy.cpu, relu, dx.cpu, dWeight.cpu, dBias.cpu);
                gpu.conv3x3Backward(x.gpu, weight.gpu, y.gpu, dy.gpu, relu, dx.gpu, dWeight.gpu, dBias.gpu);
                assertClose(gpu, dx, what + " dx", tolerance);
                assertClose(gpu, dWeight, what + " dWeight", tolerance);
                assertClose(gpu, dBias, what + " dBias", tolerance);

                // the first layer has no dx
                Pair dy2 = pair(gpu, dyValues, n, cout, h, w);
                Pair dWeight2 = output(gpu, cout, cin, 3, 3), dBias2 = output(gpu, cout);
                cpu.conv3x3Backward(x.cpu, weight.cpu, y.cpu, dy2.cpu, relu, null, dWeight2.cpu, dBias2.cpu);
                gpu.conv3x3Backward(x.gpu, weight.gpu, y.gpu, dy2.gpu, relu, null, dWeight2.gpu, dBias2.gpu);
                assertClose(gpu, dWeight2, what + " dWeight without dx", tolerance);
                assertClose(gpu, dBias2, what + " dBias without dx", tolerance);
            }
        }
    }

    /** release frees a tensor made by zeros; a view, or a tensor already released, is refused. */
    @Test
    void releaseGivesBackZerosTensorsOnly() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            Tensor t = gpu.zeros(1000, 1000), view = gpu.view(t, 10, 5);
            assertThrows(IllegalArgumentException.class, () -> gpu.release(view));
            gpu.release(t);
            assertThrows(IllegalArgumentException.class, () -> gpu.release(t));
            Tensor again = gpu.zeros(3);
            gpu.write(again, new float[] {1, 2, 3});
            float[] back = new float[3];
            gpu.read(again, back);
            assertArrayEquals(new float[] {1, 2, 3}, back);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CudaEngine.ConvPath.class, names = {"CUDNN", "GEMM"})
    void maxPoolEvenAndOdd(CudaEngine.ConvPath path) {
        try (CudaEngine gpu = gpu(path)) {
            for (int[] s : new int[][] {{3, 32, 28, 28}, {3, 32, 14, 14}, {3, 16, 7, 7}, {2, 3, 5, 8}, {1, 1, 1, 1}}) {
                int n = s[0], c = s[1], h = s[2], w = s[3], oh = (h + 1) / 2, ow = (w + 1) / 2;
                String what = path + " maxPool " + h + "x" + w;
                Pair x = random(gpu, n, c, h, w), y = output(gpu, n, c, oh, ow);
                cpu.maxPool(x.cpu, y.cpu);
                gpu.maxPool(x.gpu, y.gpu);
                assertClose(gpu, y, what + " forward", 0);
                Pair dy = random(gpu, n, c, oh, ow), dx = output(gpu, n, c, h, w);
                cpu.maxPoolBackward(x.cpu, y.cpu, dy.cpu, dx.cpu);
                gpu.maxPoolBackward(x.gpu, y.gpu, dy.gpu, dx.gpu);
                assertClose(gpu, dx, what + " backward", 0);
            }
        }
    }

    @Test
    void resizeForwardAndBackward() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            for (int[] s : new int[][] {{4, 7}, {7, 14}, {14, 28}, {3, 10}, {5, 3}}) {
                int in = s[0], out = s[1];
                String what = "resize " + in + "->" + out;
                Pair x = random(gpu, 3, 16, in, in + 1), y = output(gpu, 3, 16, out, out + 2);
                cpu.resize(x.cpu, y.cpu);
                gpu.resize(x.gpu, y.gpu);
                assertClose(gpu, y, what + " forward", 0);
                Pair dy = random(gpu, 3, 16, out, out + 2), dx = output(gpu, 3, 16, in, in + 1);
                cpu.resizeBackward(dy.cpu, dx.cpu);
                gpu.resizeBackward(dy.gpu, dx.gpu);
                assertClose(gpu, dx, what + " backward");
            }
        }
    }

    @Test
    void sigmoidAndLoss() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            float[] logits = randoms(100 * 784);
            for (int i = 0; i < logits.length; i++) logits[i] *= 8;
            logits[0] = 100; logits[1] = -100;
            Pair x = pair(gpu, logits, 100, 1, 28, 28), y = output(gpu, 100, 1, 28, 28);
            cpu.sigmoid(x.cpu, y.cpu);
            gpu.sigmoid(x.gpu, y.gpu);
            assertClose(gpu, y, "sigmoid");

            float[] targets = new float[logits.length];
            for (int i = 0; i < targets.length; i++) targets[i] = random.nextFloat();
            Pair z = pair(gpu, targets, 100, 1, 28, 28), grad = output(gpu, 100, 1, 28, 28), losses = output(gpu, 3);
            cpu.sigmoidCrossEntropy(x.cpu, z.cpu, grad.cpu, losses.cpu, 1);
            gpu.sigmoidCrossEntropy(x.gpu, z.gpu, grad.gpu, losses.gpu, 1);
            assertClose(gpu, grad, "loss gradient");
            float[] expected = new float[3], actual = new float[3];
            cpu.read(losses.cpu, expected);
            gpu.read(losses.gpu, actual);
            assertTrue(Float.isFinite(actual[1]));
            assertEquals(expected[1], actual[1], Math.abs(expected[1]) * TOLERANCE, "loss");
            assertTrue(Float.isNaN(actual[0]) && Float.isNaN(actual[2]), "only the given slot is written");
        }
    }

    @Test
    void adamUpdate() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            int n = 30_689;
            Pair p = random(gpu, n), g = random(gpu, n), m = random(gpu, n);
            float[] vValues = randoms(n);
            for (int i = 0; i < n; i++) vValues[i] = Math.abs(vValues[i]);
            Pair v = pair(gpu, vValues, n);
            for (Engine e : new Engine[] {cpu, gpu}) {
                boolean c = e == cpu;
                e.adam(c ? p.cpu : p.gpu, c ? g.cpu : g.gpu, c ? m.cpu : m.gpu, c ? v.cpu : v.gpu, 1e-3f, 0.9f, 0.999f, 1e-8f);
            }
            assertClose(gpu, p, "adam parameters");
            assertClose(gpu, m, "adam m");
            assertClose(gpu, v, "adam v");
        }
    }

    @Test
    void gatherWithNoise() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            int count = 50, h = 28, w = 28;
            byte[] pixels = new byte[count * h * w];
            random.nextBytes(pixels);
            ImageSet cpuSet = cpu.upload(pixels, count, h, w), gpuSet = gpu.upload(pixels, count, h, w);
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = (i * 17 + 3) % count;
            cpu.setOrder(order);
            gpu.setOrder(order);
            Pair clean = output(gpu, 10, 1, h, w), noisy = output(gpu, 10, 1, h, w);
            cpu.gather(cpuSet, 20, clean.cpu, noisy.cpu, 0.5f, 1234L, 77L);
            gpu.gather(gpuSet, 20, clean.gpu, noisy.gpu, 0.5f, 1234L, 77L);
            assertClose(gpu, clean, "gather clean", 0);
            assertClose(gpu, noisy, "gather noisy");
        }
    }

    @Test
    void fillViewsAndForeignTensors() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            Tensor flat = gpu.zeros(10);
            Tensor view = gpu.view(flat, 4, 2, 3);
            gpu.fill(view, 2.5f);
            float[] all = new float[10];
            gpu.read(flat, all);
            assertArrayEquals(new float[] {0, 0, 0, 0, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f}, all);
            assertThrows(IllegalArgumentException.class, () -> gpu.fill(cpu.zeros(3), 1f));
            assertTrue(gpu.describe().startsWith("cuda engine, device 0"), gpu.describe());
        }
    }
}
