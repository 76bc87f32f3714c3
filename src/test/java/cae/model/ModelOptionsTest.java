package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import cae.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The model options (stage widths, skips, the residual output, the MSE loss, colour): their layers,
 * what they refuse, how the model file records them, and the whole model's forward and backward on
 * the CPU engine against the reference engine.
 */
class ModelOptionsTest {
    @Test
    void theRecipeIsThreeStagesOf32_32_16() {
        Architecture recipe = Architecture.RECIPE;
        assertEquals(new Architecture(Decoder.NEAREST, 1, List.of(32, 32, 16), false, false, Architecture.Loss.XENT), recipe);
        assertEquals(30_689, recipe.parameterCount());
        assertEquals(37_617, Architecture.of(Decoder.UNPOOL).parameterCount());
        assertEquals(List.of("conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "logits"),
                recipe.layers().stream().map(ConvLayer::name).toList());
        assertEquals(List.of("tconv4", "tconv5", "tconv6"),
                Architecture.of(Decoder.TRANSPOSED).layers().subList(3, 6).stream().map(ConvLayer::name).toList());
    }

    @Test
    void widthsSetEachStageAndColourTheImageChannels() {
        Architecture a = new Architecture(Decoder.NEAREST, 3, List.of(64, 64, 32), true, true, Architecture.Loss.MSE);
        // encoder 3->64->64->32, decoder 32->32, 32->64, 64->64, output 64->3
        int[][] io = {{3, 64}, {64, 64}, {64, 32}, {32, 32}, {32, 64}, {64, 64}, {64, 3}};
        for (int i = 0; i < io.length; i++) {
            assertEquals(io[i][0], a.layer(i).inChannels(), "layer " + i + " in");
            assertEquals(io[i][1], a.layer(i).outChannels(), "layer " + i + " out");
        }
        assertFalse(a.layer(a.logitsLayer()).relu());
        Architecture two = new Architecture(Decoder.UNPOOL, 1, List.of(8, 4), false, false, Architecture.Loss.XENT);
        assertEquals(5, two.layers().size());
        assertEquals(4, two.layer(2).inChannels(), "the first unpooling takes the last pool's channels");
        assertEquals(8, two.layer(2).outChannels(), "and gives the channels of the pool it undoes next");
    }

    @Test
    void combinationsThatDoNotFitAreRefusedInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Architecture(Decoder.UNPOOL, 1, List.of(32, 32, 16), true, false, Architecture.Loss.XENT));
        assertTrue(e.getMessage().startsWith("--skips does not fit the unpool decoder"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Architecture(Decoder.NEAREST, 1, List.of(32, 32, 16), false, true, Architecture.Loss.XENT));
        assertEquals("--residual needs --loss mse (its output is linear)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Architecture(Decoder.NEAREST, 2, List.of(8), false, false, Architecture.Loss.XENT));
        assertThrows(IllegalArgumentException.class, () -> new Architecture(Decoder.NEAREST, 1, List.of(), false, false, Architecture.Loss.XENT));
        assertThrows(IllegalArgumentException.class, () -> new Architecture(Decoder.NEAREST, 1, List.of(8, 0), false, false, Architecture.Loss.XENT));
        assertThrows(IllegalArgumentException.class, () -> new Architecture(Decoder.NEAREST, 1, List.of(1, 2, 3, 4, 5, 6, 7), false, false, Architecture.Loss.XENT));
        assertEquals("--widths takes stage widths like 32,32,16, not '32,x'",
                assertThrows(IllegalArgumentException.class, () -> Architecture.parseWidths("32,x")).getMessage());
    }

    @Test
    void theModelFileRecordsEveryOptionAndOldFilesReadAsTheRecipe() {
        Architecture a = new Architecture(Decoder.BILINEAR, 3, List.of(16, 24), true, true, Architecture.Loss.MSE);
        Map<String, String> meta = a.metadata();
        assertEquals(Map.of("decoder", "bilinear", "channels", "3", "widths", "16,24", "skips", "true", "residual", "true", "loss", "mse"), meta);
        assertEquals(a, Architecture.fromMetadata(meta));
        assertEquals(Architecture.RECIPE, Architecture.fromMetadata(Map.of()), "a file written before the options");
        assertEquals(Architecture.of(Decoder.UNPOOL), Architecture.fromMetadata(Map.of("decoder", "unpool")));
        assertThrows(IllegalArgumentException.class, () -> Architecture.fromMetadata(Map.of("skips", "maybe")));
    }

    static List<Architecture> options() { return AutoencoderGradientTest.options().toList(); }

    /** Forward (logits and the reconstruction) and every parameter gradient, CPU engine against the reference engine. */
    @ParameterizedTest
    @MethodSource("options")
    void theWholeModelAgreesWithTheReferenceEngine(Architecture arch) {
        Random random = new Random(arch.hashCode());
        float[] params = Parameters.glorotInit(arch, 9);
        for (int i = 0; i < params.length; i++) params[i] += (random.nextFloat() - 0.5f) * 0.05f;
        int n = 2, h = 11, w = 9, size = n * arch.channels() * h * w;
        float[] input = new float[size], target = new float[size];
        for (int i = 0; i < size; i++) {
            input[i] = random.nextFloat();
            target[i] = random.nextFloat();
        }
        float[][] reference = run(new ReferenceEngine(), arch, params, input, target, n, h, w);
        try (Engine cpu = new CpuEngine(2)) {
            float[][] fast = run(cpu, arch, params, input, target, n, h, w);
            String[] what = {"logits", "reconstruction", "loss", "gradients"};
            for (int k = 0; k < what.length; k++) assertClose(arch + " " + what[k], reference[k], fast[k], 1e-4);
        }
    }

    private static float[][] run(Engine engine, Architecture arch, float[] params, float[] input, float[] target, int n, int h, int w) {
        try (Autoencoder net = new Autoencoder(engine, arch)) {
            net.setWeights(params);
            Activations a = net.activations(n, h, w, true);
            Tensor clean = engine.zeros(a.input.shape()), losses = engine.zeros(1), output = engine.zeros(a.input.shape());
            engine.write(a.input, input);
            engine.write(clean, target);
            net.reconstruct(a, output);
            net.loss(a, clean, a.logitsGradient(), losses, 0);
            net.backward(a);
            float[][] out = {new float[a.logits.size()], new float[output.size()], new float[1], new float[params.length]};
            engine.read(a.logits, out[0]);
            engine.read(output, out[1]);
            engine.read(losses, out[2]);
            engine.read(net.grads.flat, out[3]);
            return out;
        }
    }

    private static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += ((double) actual[i] - expected[i]) * ((double) actual[i] - expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        assertTrue(norm > 0, what + ": all zero");
        assertTrue(Math.sqrt(diff / norm) <= tolerance, what + ": relative error " + Math.sqrt(diff / norm));
    }
}
