package cae.anchor;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Times PyTorch's CPU engine (through DJL) on the model of docs/SPEC.md §2: training steps at a fixed batch and
 * inference forwards, each as the median of several timed repeats after a warm-up.
 *
 * <pre>java cae.anchor.TorchAnchorBench label conv|grouped [batch] [warmup steps] [repeats] [steps per repeat]</pre>
 *
 * "conv" builds the last layer as torch_cae.py does; "grouped" computes it as a depthwise convolution plus a
 * channel sum (see {@link CaeBlock}), which gives correct gradients where the plain one does not.
 *
 * One training step is what torch_cae.py's step does: draw the noisy input (clean + 0.5 N(0,1), clamped
 * to [0,1]), forward, mean BCE-with-logits against the clean image, backward, Adam update (lr 1e-3).
 * The clean images are random in [0,1], copied into a fresh native tensor each step as a data loader would.
 */
public final class TorchAnchorBench {

    private static final int SIDE = 28;
    private static final int DISTINCT_BATCHES = 8;

    public static void main(String[] args) {
        String label = args.length > 0 ? args[0] : "run";
        String logits = args.length > 1 ? args[1] : "conv";
        if (!logits.equals("conv") && !logits.equals("grouped")) {
            throw new IllegalArgumentException("second argument must be conv or grouped, not " + logits);
        }
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int repeats = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int steps = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        label = label + "/" + logits;

        Engine engine = Engine.getEngine("PyTorch");
        System.out.printf("[%s] engine %s %s, libtorch at %s, intra-op threads %d, inter-op threads %d%n",
                label, engine.getEngineName(), engine.getVersion(), ai.djl.pytorch.jni.LibUtils.getLibtorchPath(),
                JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        try (NDManager check = NDManager.newBaseManager("PyTorch")) {
            System.out.printf("[%s] check: input gradient of a 32->1 channel 3x3 conv, max abs error %.3g (correct is ~1e-7)%n",
                    label, convInputGradientError(check, 100, 32, 1, SIDE));
        }

        Shape shape = new Shape(batch, 1, SIDE, SIDE);
        float[][] cleanBatches = randomBatches(batch, new Random(0));

        try (Model model = Model.newInstance("cae", engine.defaultDevice(), "PyTorch")) {
            model.setBlock(new CaeBlock(logits.equals("grouped")));
            Adam adam = Adam.builder().optLearningRateTracker(Tracker.fixed(1e-3f))
                    .optBeta1(0.9f).optBeta2(0.999f).optEpsilon(1e-8f).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                    .optOptimizer(adam)
                    // magnitude 3 over the fan average gives PyTorch's xavier_uniform_ bound sqrt(6 / (in + out))
                    .optInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                            XavierInitializer.FactorType.AVG, 3), Parameter.Type.WEIGHT);
            NDManager root = model.getNDManager();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(shape);

                float firstLoss = 0, lastLoss = 0;
                for (int i = 0; i < warmup; i++) {
                    float loss = trainStep(trainer, root, cleanBatches[i % DISTINCT_BATCHES], shape, true);
                    if (i == 0) {
                        firstLoss = loss;
                    }
                }
                double[] stepMs = new double[repeats];
                int step = warmup;
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < steps; i++, step++) {
                        boolean readLoss = i == steps - 1;
                        float loss = trainStep(trainer, root, cleanBatches[step % DISTINCT_BATCHES], shape, readLoss);
                        if (readLoss) {
                            lastLoss = loss;
                        }
                    }
                    stepMs[r] = (System.nanoTime() - t0) / 1e6 / steps;
                }
                double train = median(stepMs);
                System.out.printf("[%s] train ms/step (batch %d): median %.1f (%.0f images/s), best %.1f  repeats %s  loss %.4f -> %.4f%n",
                        label, batch, train, batch * 1000 / train, min(stepMs), format(stepMs), firstLoss, lastLoss);
            }

            // Inference: forward only, autograd off (torch.no_grad()).
            JniUtils.setGradMode(false);
            ParameterStore ps = new ParameterStore(root, false);
            for (int i = 0; i < warmup; i++) {
                infer(model, ps, root, cleanBatches[i % DISTINCT_BATCHES], shape);
            }
            double[] inferMs = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    infer(model, ps, root, cleanBatches[i % DISTINCT_BATCHES], shape);
                }
                inferMs[r] = (System.nanoTime() - t0) / 1e6 / steps;
            }
            double infer = median(inferMs);
            System.out.printf("[%s] inference ms/%d images: median %.1f (%.0f images/s), best %.1f  repeats %s%n",
                    label, batch, infer, batch * 1000 / infer, min(inferMs), format(inferMs));
        }
    }

    /** One training step in its own native-memory scope; returns the loss when asked (reading it costs a copy). */
    private static float trainStep(Trainer trainer, NDManager root, float[] clean, Shape shape, boolean readLoss) {
        try (NDManager scope = root.newSubManager()) {
            NDArray target = scope.create(FloatBuffer.wrap(clean), shape);
            NDArray noisy = target.add(scope.randomNormal(0f, 0.5f, shape, DataType.FLOAT32)).clip(0f, 1f);
            float value = Float.NaN;
            zeroGradients(trainer);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList logits = trainer.forward(new NDList(noisy));
                NDArray loss = trainer.getLoss().evaluate(new NDList(target), logits);
                collector.backward(loss);
                if (readLoss) {
                    value = loss.getFloat();
                }
            }
            trainer.step();
            return value;
        }
    }

    /** optimizer.zero_grad(): DJL's PyTorch engine accumulates gradients across backward passes, as PyTorch does. */
    static void zeroGradients(Trainer trainer) {
        for (Parameter p : trainer.getModel().getBlock().getParameters().values()) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    private static void infer(Model model, ParameterStore ps, NDManager root, float[] images, Shape shape) {
        try (NDManager scope = root.newSubManager()) {
            NDArray x = scope.create(FloatBuffer.wrap(images), shape);
            model.getBlock().forward(ps, new NDList(x), false).singletonOrThrow();
        }
    }

    /**
     * Backpropagates a random output gradient through an in->out channel 3x3 convolution and compares the input
     * gradient with the same thing computed as a forward convolution with the flipped, transposed kernel. (A
     * convolution with one output channel gets a wrong input gradient from libtorch 2.7.1 on AVX-512; see README.)
     */
    static float convInputGradientError(NDManager manager, int batch, int in, int out, int side) {
        Shape one = new Shape(1, 1);
        NDArray x = manager.randomUniform(0f, 1f, new Shape(batch, in, side, side));
        NDArray w = manager.randomUniform(-0.1f, 0.1f, new Shape(out, in, 3, 3));
        NDArray dy = manager.randomUniform(-1f, 1f, new Shape(batch, out, side, side));
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray y = Conv2d.conv2d(x, w, null, one, one).singletonOrThrow();
            collector.backward(y.mul(dy).sum());
        }
        NDArray expected = Conv2d.conv2d(dy, w.flip(2, 3).transpose(1, 0, 2, 3), null, one, one).singletonOrThrow();
        float error = x.getGradient().sub(expected).abs().max().getFloat();
        JniUtils.setGradMode(false);
        return error;
    }

    private static float[][] randomBatches(int batch, Random random) {
        float[][] batches = new float[DISTINCT_BATCHES][batch * SIDE * SIDE];
        for (float[] b : batches) {
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextFloat();
            }
        }
        return batches;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static String format(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (double v : values) {
            sb.append(sb.length() > 1 ? " " : "").append(String.format("%.1f", v));
        }
        return sb.append(']').toString();
    }
}
