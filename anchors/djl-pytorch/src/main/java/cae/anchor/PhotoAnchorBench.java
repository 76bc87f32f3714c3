package cae.anchor;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;

/**
 * Training images/s of the photo model in PyTorch's CPU engine through DJL: the model and step that
 * anchors/torch_photo_bench.py times, with the same options and the same figure.
 *
 * <pre>java cae.anchor.PhotoAnchorBench [--label L] [--size 64] [--color grey|rgb] [--widths 64,64,32] [--skips]
 *     [--residual] [--batch 32] [--warmup STEPS] [--steps 20] [--repeats 5] [--sigma 0.1] [--threads CORES]</pre>
 *
 * One step, as the script's: noisy = clamp(clean + sigma N(0,1), 0, 1) around one fixed batch of uniform
 * random clean images, forward ({@link PhotoBlock}), MSE of the output against the clean image (with
 * --residual, against noisy - clean), zero the gradients, backward, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8).
 * The figure is batch / the median over --repeats timed runs of --steps steps of the time per step, after
 * --warmup untimed steps (default --steps: the script's one untimed run). libtorch gets --threads intra-op
 * threads, by default every core, as the script's torch.set_num_threads(os.cpu_count()).
 */
public final class PhotoAnchorBench {

    public static void main(String[] args) {
        String label = "photo";
        int size = 64;
        String color = "rgb";
        String widthList = "64,64,32";
        boolean skips = false;
        boolean residual = false;
        int batch = 32;
        int warmup = -1;
        int steps = 20;
        int repeats = 5;
        float sigma = 0.1f;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--skips" -> skips = true;
                case "--residual" -> residual = true;
                case "--label" -> label = value(args, ++i, a);
                case "--size" -> size = Integer.parseInt(value(args, ++i, a));
                case "--color" -> color = value(args, ++i, a);
                case "--widths" -> widthList = value(args, ++i, a);
                case "--batch" -> batch = Integer.parseInt(value(args, ++i, a));
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
                case "--steps" -> steps = Integer.parseInt(value(args, ++i, a));
                case "--repeats" -> repeats = Integer.parseInt(value(args, ++i, a));
                case "--sigma" -> sigma = Float.parseFloat(value(args, ++i, a));
                case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (!color.equals("grey") && !color.equals("rgb")) {
            throw new IllegalArgumentException("--color must be grey or rgb, not " + color);
        }
        if (warmup < 0) {
            warmup = steps;
        }
        if (steps < 1 || repeats < 1 || batch < 1) {
            throw new IllegalArgumentException("--batch, --steps and --repeats must be positive");
        }
        int channels = color.equals("rgb") ? 3 : 1;
        int[] widths = Arrays.stream(widthList.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();

        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        engine.setRandomSeed(0);
        System.out.printf("[%s] engine %s %s, libtorch at %s, intra-op threads %d, inter-op threads %d%n",
                label, engine.getEngineName(), engine.getVersion(), ai.djl.pytorch.jni.LibUtils.getLibtorchPath(),
                JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        try (NDManager check = NDManager.newBaseManager("PyTorch")) {
            System.out.printf("[%s] check: input gradient of the output conv (%d->%d channels 3x3 at %dx%d), max abs error %.3g"
                    + " (correct is ~1e-6)%n", label, widths[0], channels, size, size,
                    TorchAnchorBench.convInputGradientError(check, Math.min(batch, 8), widths[0], channels, size));
        }

        Shape shape = new Shape(batch, channels, size, size);
        try (Model model = Model.newInstance("photo", engine.defaultDevice(), "PyTorch")) {
            PhotoBlock block = new PhotoBlock(channels, widths, skips);
            model.setBlock(block);
            Adam adam = Adam.builder().optLearningRateTracker(Tracker.fixed(1e-3f))
                    .optBeta1(0.9f).optBeta2(0.999f).optEpsilon(1e-8f).build();
            // The loss is computed in trainStep (F.mse_loss); the config's is only there because DJL asks for one.
            // No initializer here: PhotoBlock sets PyTorch's defaults on each convolution.
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss("mse", 1f)).optOptimizer(adam);
            NDManager root = model.getNDManager();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(shape);
                NDArray clean = root.randomUniform(0f, 1f, shape, DataType.FLOAT32);
                System.out.printf("[%s] # djl %s, libtorch %s, %d threads; %d parameters; %dx%d %s, widths %s%s%s, batch %d%n",
                        label, Engine.getDjlVersion(), engine.getVersion(), JniUtils.getNumThreads(), block.parameterCount(),
                        size, size, color, widthList, skips ? ", skips" : "", residual ? ", residual" : "", batch);

                // The loss is read (a copy out of libtorch) at the very first step and at the last timed one only.
                float firstLoss = Float.NaN, lastLoss = Float.NaN;
                int step = 0;
                for (int i = 0; i < warmup; i++, step++) {
                    float loss = trainStep(trainer, root, clean, sigma, residual, step == 0);
                    if (step == 0) {
                        firstLoss = loss;
                    }
                }
                double[] seconds = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < steps; i++, step++) {
                        boolean last = r == repeats - 1 && i == steps - 1;
                        float loss = trainStep(trainer, root, clean, sigma, residual, step == 0 || last);
                        if (step == 0) {
                            firstLoss = loss;
                        }
                        if (last) {
                            lastLoss = loss;
                        }
                    }
                    seconds[r] = (System.nanoTime() - t0) / 1e9 / steps;
                }
                double s = TorchAnchorBench.median(seconds);
                StringBuilder perRepeat = new StringBuilder();
                for (double v : seconds) {
                    perRepeat.append(perRepeat.length() > 0 ? " " : "").append(String.format("%.2f", v * 1e3));
                }
                System.out.printf("[%s] djl-torch-cpu %6d %14.0f %10.2f   (train img/s, ms/step; median of %d)"
                        + "  repeats [%s] ms/step  loss %.5f -> %.5f%n",
                        label, batch, batch / s, s * 1e3, repeats, perRepeat, firstLoss, lastLoss);
            }
        }
    }

    /** One training step in its own native-memory scope; returns the loss when asked (reading it costs a copy). */
    private static float trainStep(Trainer trainer, NDManager root, NDArray clean, float sigma, boolean residual,
            boolean readLoss) {
        try (NDManager scope = root.newSubManager()) {
            // The noise first, so that every result below belongs to the step's scope, not to the root manager.
            NDArray noise = scope.randomNormal(0f, sigma, clean.getShape(), DataType.FLOAT32);
            NDArray noisy = noise.add(clean).clip(0f, 1f);
            NDArray target = residual ? noisy.sub(clean) : clean;
            float value = Float.NaN;
            TorchAnchorBench.zeroGradients(trainer);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray out = trainer.forward(new NDList(noisy)).singletonOrThrow();
                NDArray loss = out.sub(target).square().mean();
                collector.backward(loss);
                if (readLoss) {
                    value = loss.getFloat();
                }
            }
            trainer.step();
            return value;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
