package cae.onnx;

import cae.data.DataSet;
import cae.data.Images;
import cae.data.MnistFetcher;
import cae.engine.cpu.CpuEngine;
import cae.model.Architecture;
import cae.model.ConvLayer;
import cae.model.Decoder;
import cae.train.Trainer;
import cae.train.TrainingConfig;
import cae.train.TrainingState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The exported graph, run by ONNX Runtime, computes what the CPU engine computes (docs/SPEC.md §6: 1e-5 relative). */
class OnnxExportTest {
    static final double TOLERANCE = 1e-5;

    /**
     * Weights far from the initialisation: kernels uniform in twice the Glorot range and biases in
     * +-0.2, so that the logits spread over several units and the sigmoid does not flatten a difference.
     */
    static float[] randomWeights(Architecture arch, long seed) {
        float[] values = new float[arch.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        int offset = 0;
        for (ConvLayer l : arch.layers()) {
            double limit = 2 * l.glorotLimit();
            for (int i = 0; i < l.weightCount(); i++) values[offset++] = (float) random.nextDouble(-limit, limit);
            for (int i = 0; i < l.outChannels(); i++) values[offset++] = (float) random.nextDouble(-0.2, 0.2);
        }
        return values;
    }

    static List<float[]> randomImages(int count, int pixels, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] image = new float[pixels];
            for (int p = 0; p < pixels; p++) image[p] = (float) random.nextDouble();
            images.add(image);
        }
        return images;
    }

    /** ONNX Runtime's output for the images through the exported file, and the error against the CPU engine. */
    static double compare(Architecture arch, float[] params, List<float[]> images, int height, int width, String what) throws Exception {
        byte[] model = OnnxExport.toBytes(arch, params, height, width, Map.of());
        float[] expected = OnnxRuntime.cpu(arch, params, images, height, width);
        float[] actual;
        try (OnnxRuntime ort = new OnnxRuntime(model)) {
            long[] shape = {images.size(), arch.channels(), height, width};
            actual = ort.run(OnnxRuntime.concat(images.toArray(new float[0][])), shape, shape);
        }
        double error = OnnxRuntime.relativeError(actual, expected);
        double spread = 0, mean = 0;
        for (float v : expected) mean += v / expected.length;
        for (float v : expected) spread += (v - mean) * (v - mean) / expected.length;
        System.out.printf("%s: relative error %.3g, output std %.3g%n", what, error, Math.sqrt(spread));
        assertTrue(error <= TOLERANCE, what + ": relative error " + error);
        return error;
    }

    static Stream<Arguments> decodersAndSizes() {
        List<Arguments> cases = new ArrayList<>();
        for (Decoder d : Decoder.values())
            for (int[] size : new int[][] {{28, 28}, {7, 9}, {13, 13}, {1, 1}, {2, 5}, {16, 11}})
                cases.add(Arguments.of(d, size[0], size[1]));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} decoder at {1} x {2}")
    @MethodSource("decodersAndSizes")
    void randomWeightsAndImagesMatchTheCpuEngine(Decoder decoder, int height, int width) throws Exception {
        Architecture arch = Architecture.of(decoder);
        compare(arch, randomWeights(arch, 11), randomImages(3, height * width, 5), height, width, decoder + " " + height + "x" + width);
    }

    /**
     * Every model option exports: skip connections (Add) with each decoder that takes them, the
     * residual output (Sub) and the linear MSE output (Identity), colour, and one to five stages, at
     * even, odd and one-cell sizes.
     */
    static Stream<Arguments> modelOptions() {
        List<Arguments> cases = new ArrayList<>();
        List<Integer> recipe = Architecture.RECIPE_WIDTHS;
        for (Decoder d : new Decoder[] {Decoder.NEAREST, Decoder.BILINEAR, Decoder.TRANSPOSED})
            cases.add(Arguments.of(new Architecture(d, 1, recipe, true, false, Architecture.Loss.XENT), 13, 11));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 1, recipe, true, true, Architecture.Loss.MSE), 28, 28));
        cases.add(Arguments.of(new Architecture(Decoder.BILINEAR, 1, recipe, false, true, Architecture.Loss.MSE), 9, 7));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 1, recipe, false, false, Architecture.Loss.MSE), 16, 11));
        cases.add(Arguments.of(new Architecture(Decoder.UNPOOL, 1, recipe, false, false, Architecture.Loss.MSE), 7, 9));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 3, recipe, false, false, Architecture.Loss.XENT), 13, 13));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 3, List.of(16, 16, 8), true, true, Architecture.Loss.MSE), 17, 15));
        cases.add(Arguments.of(new Architecture(Decoder.TRANSPOSED, 3, List.of(8, 16), true, false, Architecture.Loss.MSE), 12, 10));
        cases.add(Arguments.of(new Architecture(Decoder.UNPOOL, 3, List.of(8, 8, 8, 8), false, true, Architecture.Loss.MSE), 17, 15));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 1, List.of(8), true, true, Architecture.Loss.MSE), 5, 6));
        cases.add(Arguments.of(new Architecture(Decoder.BILINEAR, 3, List.of(4, 8, 8, 8, 16), true, false, Architecture.Loss.XENT), 33, 17));
        cases.add(Arguments.of(new Architecture(Decoder.NEAREST, 3, List.of(8, 8), true, true, Architecture.Loss.MSE), 1, 1));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} at {1} x {2}")
    @MethodSource("modelOptions")
    void everyModelOptionMatchesTheCpuEngine(Architecture arch, int height, int width) throws Exception {
        compare(arch, randomWeights(arch, 23), randomImages(3, arch.channels() * height * width, 8), height, width,
                arch + " " + height + "x" + width);
    }

    /**
     * Constant images make every pooling window of the first stage tie, and the ReLUs' zeros make
     * ties further down: the unpooling decoder then depends on which maximum the pool keeps.
     */
    @ParameterizedTest
    @EnumSource(Decoder.class)
    void constantImagesWhereEveryPoolingWindowTies(Decoder decoder) throws Exception {
        Architecture arch = Architecture.of(decoder);
        for (int[] size : new int[][] {{28, 28}, {13, 13}}) {
            int pixels = size[0] * size[1];
            List<float[]> images = new ArrayList<>();
            for (float level : new float[] {0f, 1f, 0.37f}) {
                float[] image = new float[pixels];
                java.util.Arrays.fill(image, level);
                images.add(image);
            }
            compare(arch, randomWeights(arch, 29), images, size[0], size[1], decoder + " constant " + size[0] + "x" + size[1]);
        }
    }

    private static Images mnistTest;

    @BeforeAll
    static void mnist() {
        mnistTest = DataSet.loadTest(MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err));
    }

    /** MNIST test digits (pixels / 255), clean and with the recipe's noise, from image {@code from}. */
    static List<float[]> digits(int from, int count, boolean noisy) {
        int pixels = mnistTest.height() * mnistTest.width();
        SplittableRandom random = new SplittableRandom(from);
        List<float[]> images = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            float[] image = new float[pixels];
            for (int p = 0; p < pixels; p++) {
                float clean = (mnistTest.pixels()[i * pixels + p] & 0xFF) / 255f;
                image[p] = noisy ? (float) Math.min(1, Math.max(0, clean + 0.5 * gaussian(random))) : clean;
            }
            images.add(image);
        }
        return images;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** Weights after a few training steps (ten of batch 20 on MNIST test digits 100 to 299) of the recipe. */
    @ParameterizedTest
    @EnumSource(Decoder.class)
    void realDigitsThroughAModelTrainedForAFewSteps(Decoder decoder) throws Exception {
        TrainingConfig config = new TrainingConfig(1, 20, 1e-3f, 0.5f, 3, 0, decoder);
        TrainingState state = TrainingState.fresh(config);
        float[] initial = state.params.clone();
        int pixels = mnistTest.height() * mnistTest.width();
        byte[] train = java.util.Arrays.copyOfRange(mnistTest.pixels(), 100 * pixels, 300 * pixels);
        try (CpuEngine engine = new CpuEngine(2)) {
            new Trainer(engine, config, engine.upload(train, 200, mnistTest.height(), mnistTest.width())).run(state, new Trainer.Listener() {});
        }
        assertEquals(10, state.step);
        assertFalse(java.util.Arrays.equals(initial, state.params), "training changed the weights");
        Architecture arch = Architecture.of(decoder);
        for (boolean noisy : new boolean[] {false, true})
            compare(arch, state.params, digits(0, 8, noisy), mnistTest.height(), mnistTest.width(),
                    decoder + (noisy ? " noisy" : " clean") + " MNIST digits");
    }
}
