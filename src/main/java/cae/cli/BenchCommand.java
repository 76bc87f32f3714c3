package cae.cli;

import java.io.PrintStream;
import cae.engine.Ceilings;
import cae.engine.Engine;
import cae.engine.ForwardingEngine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import cae.engine.TimedEngine;
import cae.engine.cuda.CudaEngine;
import cae.engine.cuda.bench.DeviceCeilings;
import cae.engine.cuda.bench.LayoutProbe;
import cae.model.Activations;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Parameters;
import cae.profile.Ranges;
import cae.io.ProgressBar;
import cae.train.Trainer;
import cae.train.TrainingConfig;
import cae.train.TrainingState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Measures an engine's training and inference images/s at each batch size, on random images of --size and --color: "
                + "warm-up, then the median of timed repeats."})
final class BenchCommand implements Callable<Integer> {
    private final PrintStream out, err;
    private final boolean terminal;

    BenchCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
        this.terminal = streams.terminal();
    }

    /** How far the measuring is, in timed or untimed repeats (each a training epoch or a round of inference batches). */
    private ProgressBar progress;
    private long repeatsDone;

    private void repeatDone() { progress.update(++repeatsDone); }

    /** A line of results: the bar is cleared first (it comes back at the next repeat). */
    private void result(String line) {
        progress.clear();
        out.println(line);
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--batch", defaultValue = "100", split = ",", paramLabel = "N", description = "Batch sizes (default: ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Steps (or batches) per repeat (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N", description = "Timed repeats (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "Untimed repeats first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--epoch", description = "Also time an epoch of 55,000 images")
    boolean epoch;

    @Option(names = "--ops", description = "Also time one training step op by op")
    boolean ops;

    @Option(names = "--decoder", defaultValue = "nearest", paramLabel = "nearest|bilinear|transposed|unpool",
            converter = DecoderConverter.class, description = "Decoder variant (default: ${DEFAULT-VALUE})")
    Decoder decoder;

    @Option(names = "--size", defaultValue = "28", paramLabel = "P", description = "Image side, e.g. a --patch (default: ${DEFAULT-VALUE})")
    int side;

    @Option(names = "--color", defaultValue = "grey", paramLabel = "grey|rgb", description = "Channels (default: ${DEFAULT-VALUE})")
    String color;

    @Mixin ModelOptions modelOptions;

    /** The model benchmarked, and its images' channels. */
    private Architecture arch;
    private int channels;

    @Option(names = "--layout-probe", description = "CUDA: time NCHW against NHWC convolutions")
    boolean layoutProbe;

    @Option(names = "--floor", description = "Also print the device's floor per batch size")
    boolean floor;

    @Mixin EngineOptions.Profiled engine;

    /** --nvtx: each configuration, epoch and step named on a profiler's timeline. */
    private Ranges ranges = Ranges.NONE;

    /** --profile-steps, applied to the first training run only (the steps timed at the first batch size). */
    private long[] profiled;

    @Override public Integer call() {
        engine.validate(spec.commandLine());
        profiled = engine.profiledSteps(spec.commandLine());
        if (batches.length == 0) throw new CommandLine.ParameterException(spec.commandLine(), "--batch needs at least one size");
        if (side < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--size must be at least 1, got " + side);
        channels = switch (DataOptions.parsed(spec.commandLine(), "--color", () -> cae.data.ImageFolder.Color.parse(color))) {
            case RGB -> 3;
            case GREY -> 1;
            case AUTO -> throw new CommandLine.ParameterException(spec.commandLine(), "--color takes grey or rgb for random images, got auto");
        };
        arch = modelOptions.architecture(spec.commandLine(), decoder, channels);
        for (int b : batches) {
            if (b < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--batch sizes must be positive, got " + b);
            try {
                Activations.checkSize(arch, b, side, side);
            } catch (Activations.TooLargeException tooLarge) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--batch " + b + ": " + tooLarge.getMessage());
            }
        }
        if (steps < 1 || repeats < 1 || warmup < 0)
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps and --repeats must be at least 1, --warmup at least 0");
        ranges = engine.ranges(err);
        long repeatCount = 2L * batches.length * (warmup + repeats) + (ops ? warmup + 1 : 0) + (epoch ? 2 : 0);
        progress = ProgressBar.of(err, terminal, "bench", "repeats", repeatCount, 0);
        try (Engine e = engine.open(err)) {
            out.println("# " + e.describe() + "; " + Runtime.version() + "; " + Runtime.getRuntime().availableProcessors() + " cores");
            out.println("# model " + arch + ", " + side + "x" + side + ", " + String.format("%.1f", 6 * arch.forwardMacs(side, side) / 1e6)
                    + " MFLOP per training image (forward " + String.format("%.1f", 2 * arch.forwardMacs(side, side) / 1e6) + ")");
            Ceilings ceilings = floor && ForwardingEngine.innermost(e) instanceof CudaEngine cuda ? DeviceCeilings.measure(cuda) : null;
            if (floor) out.println(ceilings == null ? "# floor: this engine has no device ceilings to measure" : "ceilings: " + ceilings);
            out.printf("%-8s %6s %14s %10s %14s %10s %10s%n", "engine", "batch", "train img/s", "ms/step", "infer img/s", "ms/batch", "GFLOP/s");
            List<String> floors = new ArrayList<>(), memory = new ArrayList<>();
            for (int batch : batches) {
                // each configuration's peak: everything the last one made is released by now
                e.resetPeakMemory();
                double stepSeconds, inferSeconds;
                ranges.push("bench batch " + batch);
                try {
                    stepSeconds = trainingStepSeconds(e, batch, steps);
                    inferSeconds = inferenceSeconds(e, batch);
                } finally {
                    ranges.pop();
                }
                memoryLine(e, "batch " + batch).ifPresent(memory::add);
                double gflops = 6.0 * arch.forwardMacs(side, side) * batch / stepSeconds / 1e9;
                result(String.format("%-8s %6d %14.0f %10.2f %14.0f %10.2f %10.1f", engineName(e), batch, batch / stepSeconds,
                        stepSeconds * 1e3, batch / inferSeconds, inferSeconds * 1e3, gflops));
                if (ceilings != null) {
                    double macs = (double) arch.forwardMacs(side, side) * batch, floats = (double) arch.activationFloats(side, side) * batch;
                    floors.add(floorLine("training step", batch, 6 * macs, 5 * floats * Float.BYTES, stepSeconds, ceilings));
                    floors.add(floorLine("inference batch", batch, 2 * macs, 2 * floats * Float.BYTES, inferSeconds, ceilings));
                }
            }
            progress.clear();
            floors.forEach(out::println);
            memory.forEach(out::println);
            if (ops) {
                e.resetPeakMemory();
                opTable(e, batches[0]);
                memoryLine(e, "--ops at batch " + batches[0]).ifPresent(out::println);
            }
            if (layoutProbe) {
                if (ForwardingEngine.innermost(e) instanceof CudaEngine cuda)
                    for (int batch : batches) LayoutProbe.run(cuda, arch.wideConvolutionShapes(batch, side, side)).forEach(out::println);
                else out.println("# layout probe: the CUDA engine only");
            }
            if (epoch) {
                int batch = batches[0], images = 55_000;
                e.resetPeakMemory();
                double seconds = epochSeconds(e, batch, images);
                progress.clear();
                out.printf("epoch: %d images, batch %d, %d steps: %.2f s (%.0f img/s)%n", images, batch, images / batch,
                        seconds, (images / batch) * batch / seconds);
                memoryLine(e, "--epoch at batch " + batch).ifPresent(out::println);
            }
            String choices = e.choices();
            if (choices != null) out.println("# " + choices);
            out.println("# end: " + e.describe());
        }
        return 0;
    }

    /** "memory: WHAT: peak ... allocated by the engine, ... in use on the device ...", where the engine has device memory. */
    private static java.util.Optional<String> memoryLine(Engine e, String what) {
        return java.util.Optional.ofNullable(e.memoryUse()).map(m -> "memory: " + what + ": " + m);
    }

    private static String engineName(Engine e) {
        String d = e.describe();
        return d.substring(0, d.indexOf(' ') > 0 ? d.indexOf(' ') : d.length());
    }

    /** Per-op milliseconds of one training step, the median step of the timed repeats. */
    private void opTable(Engine e, int batch) {
        TimedEngine timed = new TimedEngine(e);
        if (warmup > 0) runEpochs(timed, batch, batch * steps, warmup);
        timed.reset();
        runEpochs(timed, batch, batch * steps, 1);
        progress.clear();
        double total = 0;
        for (long[] t : timed.totals().values()) total += t[0];
        out.printf("%nwhere a training step's time goes (batch %d, %d steps):%n", batch, steps);
        for (Map.Entry<String, long[]> op : timed.totals().entrySet())
            out.printf("  %-40s %8.2f ms  %5.1f%%%n", op.getKey(), op.getValue()[0] / 1e6 / steps, 100 * op.getValue()[0] / total);
        out.printf("  %-40s %8.2f ms%n", "total", total / 1e6 / steps);
    }

    private static byte[] randomBytes(int bytes, long seed) {
        byte[] pixels = new byte[bytes];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) random.nextInt(256);
        return pixels;
    }

    /** Median seconds per training step: each repeat is one epoch of {@code stepsPerRepeat} steps. */
    private double trainingStepSeconds(Engine e, int batch, int stepsPerRepeat) {
        int images = batch * stepsPerRepeat;
        List<Long> ends = runEpochs(e, batch, images, warmup + repeats);
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) seconds[r] = (ends.get(warmup + r + 1) - ends.get(warmup + r)) / 1e9 / stepsPerRepeat;
        return median(seconds);
    }

    private double epochSeconds(Engine e, int batch, int images) {
        List<Long> ends = runEpochs(e, batch, images, 2);
        return (ends.get(2) - ends.get(1)) / 1e9;
    }

    /** Trains {@code epochs} epochs on random images; returns the start time and the time of each epoch end. */
    private List<Long> runEpochs(Engine e, int batch, int images, int epochs) {
        byte[] pixels = randomBytes(Math.multiplyExact(images, channels * side * side), 1);
        ImageSet set = channels == 1 ? e.upload(pixels, images, side, side) : e.upload(cae.engine.Pixels.of(pixels, images, channels, side, side));
        TrainingConfig config = new TrainingConfig(epochs, batch, TrainingConfig.LEARNING_RATE, cae.engine.Noise.gaussian(TrainingConfig.NOISE), 1, 0,
                arch, 0, 1);
        try (Trainer trainer = new Trainer(e, config, set)) {
            return runEpochs(trainer, config);
        } finally {
            e.release(set);
        }
    }

    private List<Long> runEpochs(Trainer trainer, TrainingConfig config) {
        trainer.ranges(ranges);
        if (profiled != null) {
            if (profiled[1] > trainer.totalSteps())
                throw new UserError("--profile-steps " + profiled[0] + ":" + profiled[1] + " ends after the first timed run's "
                        + trainer.totalSteps() + " steps ((--warmup + --repeats) x --steps)");
            trainer.profileSteps(profiled[0], profiled[1]);
            profiled = null;
        }
        TrainingState state = TrainingState.fresh(config);
        List<Long> ends = new ArrayList<>();
        ends.add(System.nanoTime());
        long[] drawing = {0};  // the time spent drawing the progress bar between epochs, kept out of their times
        trainer.run(state, new Trainer.Listener() {
            @Override public void epochEnd(int epoch, TrainingState s) {
                long end = System.nanoTime();
                ends.add(end - drawing[0]);
                repeatDone();
                drawing[0] += System.nanoTime() - end;
            }
        });
        return ends;
    }

    /**
     * One "floor:" line: the work's FLOPs and least bytes (each activation, and in training each
     * gradient, written once and read once; see Architecture.activationFloats), the time each takes at
     * the ceilings, and the measured time over the larger.
     */
    static String floorLine(String what, int batch, double flops, double bytes, double seconds, Ceilings ceilings) {
        double floorSeconds = ceilings.floorSeconds(flops, bytes);
        return String.format(Locale.ROOT, "floor: %s at batch %d: %.2f GFLOP, %.1f MB; floor %.1f us (%s); measured %.1f us = %.1f x the floor",
                what, batch, flops / 1e9, bytes / 1e6, floorSeconds * 1e6, ceilings.bound(flops, bytes), seconds * 1e6, seconds / floorSeconds);
    }

    /** Median seconds per inference batch (forward and sigmoid). */
    private double inferenceSeconds(Engine e, int batch) {
        try (Autoencoder net = new Autoencoder(e, arch)) {
            Activations a = net.activations(batch, side, side, false);
            Tensor output = e.zeros(batch, channels, side, side);
            try {
                return inferenceSeconds(e, net, a, output);
            } finally {
                a.release();
                e.release(output);
            }
        }
    }

    private double inferenceSeconds(Engine e, Autoencoder net, Activations a, Tensor output) {
        int batch = a.batch;
        net.setWeights(Parameters.glorotInit(net.arch, 1));
        float[] input = new float[a.input.size()];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < input.length; i++) input[i] = (float) random.nextDouble();
        e.write(a.input, input);
        float[] probe = new float[1];
        Tensor first = e.view(output, 0, 1);
        Runnable infer = () -> net.reconstruct(a, output);
        double[] seconds = new double[repeats];
        for (int r = -warmup; r < repeats; r++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) e.step(infer);
            e.read(first, probe);
            if (r >= 0) seconds[r] = (System.nanoTime() - t0) / 1e9 / steps;
            repeatDone();
        }
        return median(seconds);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
