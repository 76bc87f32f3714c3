package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Noise;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.model.Activations;
import cae.model.Adam;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.profile.Ranges;

/**
 * The training loop of docs/SPEC.md §3 on any engine: per step gather a shuffled batch with fresh noise,
 * forward, loss, backward, Adam. Losses stay on the engine and are read back every
 * {@link TrainingConfig#LOG_EVERY} steps (and at epoch ends), which is also where a non-finite
 * loss is caught. What to do with losses, epoch ends and interruptions is the {@link Listener}'s.
 * Closing it gives back everything it made on the engine (the model, Adam's moments, the activations).
 */
public final class Trainer implements AutoCloseable {

    /** What the loop reports; every method runs on the training thread between steps. */
    public interface Listener {
        /**
         * Losses of steps [firstStep, firstStep + losses.length), all finite; a chunk ends at every
         * multiple of {@link TrainingConfig#LOG_EVERY} steps, every epoch end, a stop and the last step.
         */
        default void losses(long firstStep, float[] losses) {}

        /** After the last step of an epoch (0-based), with the state current. */
        default void epochEnd(int epoch, TrainingState state) {}

        /** After every step, with the number of steps done so far. */
        default void progress(long stepsDone) {}

        /** Checked after every step: true ends the loop early, the state current. */
        default boolean stopRequested() { return false; }
    }

    /** The loss became NaN or infinite. */
    public static final class DivergedException extends RuntimeException {
        public final long step;

        DivergedException(long step, float loss) {
            super("training diverged: the loss became " + loss + " at step " + step
                    + "; stopped without saving, the last checkpoint is unchanged");
            this.step = step;
        }
    }

    private final Engine engine;
    private final TrainingConfig config;
    private final ImageSet images;
    private final Sampling sampling;
    private final Autoencoder model;
    private final Adam adam;
    private final Activations activations;
    private final Tensor clean, losses;
    private int[] order;
    private final int stepsPerEpoch;
    /** One object for every step, so an engine that records a step (CUDA graphs) knows it is the same body. */
    private final Runnable stepBody = this::stepOps;
    private long currentStep;
    private int currentInEpoch;
    /** The next epoch's order, shuffled while the GPU still runs this epoch's last step. */
    private int[] nextOrder;
    private int nextOrderEpoch = -1;
    private long profileFrom = -1, profileTo = -1;
    private Ranges ranges = Ranges.NONE;
    /** Whether this epoch's range is pushed (run pops it however the loop ends). */
    private boolean epochRangeOpen;

    public Trainer(Engine engine, TrainingConfig config, ImageSet images) { this(engine, config, images, null); }

    /**
     * A trainer on {@code images}: whole images of one size, or with a patch, random crops of any
     * image; {@code noisyTwins} (or null) are the real noisy versions of the same images, in place of
     * the config's synthetic noise.
     */
    public Trainer(Engine engine, TrainingConfig config, ImageSet images, ImageSet noisyTwins) {
        this.engine = engine;
        this.config = config;
        this.images = images;
        boolean crops = config.patch() > 0;
        this.sampling = new Sampling(images, noisyTwins, config.noise(), crops, crops, config.seed());
        this.stepsPerEpoch = config.stepsPerEpoch(images.count());
        if (stepsPerEpoch == 0)
            throw new IllegalArgumentException("batch " + config.batch() + " is larger than the " + images.count() + " training images");
        int height = crops ? config.patch() : images.height(), width = crops ? config.patch() : images.width();
        Activations.checkSize(config.model(), config.batch(), height, width);  // before anything is allocated
        this.model = new Autoencoder(engine, config.model());
        this.adam = new Adam(engine, model.params.flat.size(), config.learningRate());
        this.activations = model.activations(config.batch(), height, width, true);
        this.clean = engine.zeros(activations.input.shape());
        this.losses = engine.zeros(TrainingConfig.LOG_EVERY);
        int samples = (int) config.samplesPerEpoch(images.count());
        this.order = new int[samples];
        this.nextOrder = new int[samples];
    }

    public Autoencoder model() { return model; }

    public int stepsPerEpoch() { return stepsPerEpoch; }

    public long totalSteps() { return (long) config.epochs() * stepsPerEpoch; }

    /**
     * Brackets steps [from, to) with {@link Engine#profilerRange}, so a profiler started with its
     * capture range off (nsys --capture-range=cudaProfilerApi, ncu --profile-from-start off) sees
     * only those steady-state steps.
     */
    public void profileSteps(long from, long to) {
        if (from < 0 || to <= from) throw new IllegalArgumentException("profiled steps must be A:B with 0 <= A < B, got " + from + ":" + to);
        profileFrom = from;
        profileTo = to;
    }

    /** Names each epoch ("epoch 1", ...) and each step ("step") on a profiler's timeline. */
    public void ranges(Ranges ranges) { this.ranges = ranges; }

    /**
     * Runs from {@code state.step} to the end (or a stop request); {@code state} is updated in place.
     * The epoch's range holds its steps and the listener's epoch end (validation, checkpoint).
     */
    public void run(TrainingState state, Listener listener) {
        try {
            loop(state, listener);
        } finally {
            if (epochRangeOpen) {
                epochRangeOpen = false;
                ranges.pop();
            }
        }
    }

    private void loop(TrainingState state, Listener listener) {
        engine.write(model.params.flat, state.params);
        engine.write(adam.m, state.adamM);
        engine.write(adam.v, state.adamV);
        long step = state.step, lastRead = step, total = totalSteps();
        boolean orderSet = false;
        float[] readBack = new float[TrainingConfig.LOG_EVERY];
        while (step < total) {
            int epoch = (int) (step / stepsPerEpoch), inEpoch = (int) (step % stepsPerEpoch);
            if (!epochRangeOpen) {
                ranges.push("epoch " + (epoch + 1));
                epochRangeOpen = true;
            }
            if (inEpoch == 0 || !orderSet) {
                if (nextOrderEpoch == epoch) {
                    int[] ready = nextOrder;
                    nextOrder = order;
                    order = ready;
                } else {
                    Shuffle.order(config.seed(), epoch, order, images.count());
                }
                engine.setOrder(order);
                orderSet = true;
            }
            if (step == profileFrom) engine.profilerRange(true);
            ranges.push("step");
            try {
                step(step, inEpoch);
            } finally {
                ranges.pop();
            }
            if (step + 1 == profileTo) engine.profilerRange(false);
            if (inEpoch == stepsPerEpoch - 1 && step + 1 < total) {
                Shuffle.order(config.seed(), epoch + 1, nextOrder, images.count());
                nextOrderEpoch = epoch + 1;
            }
            step++;
            boolean epochEnd = step % stepsPerEpoch == 0;
            listener.progress(step);
            boolean stop = listener.stopRequested();
            if (step % TrainingConfig.LOG_EVERY == 0 || epochEnd || stop || step == total) {
                readLosses(lastRead, step, readBack, listener);
                lastRead = step;
            }
            if (epochEnd || stop || step == total) captureState(state, step);
            if (epochEnd) {
                listener.epochEnd(epoch, state);
                orderSet = false;
                epochRangeOpen = false;
                ranges.pop();
            }
            if (stop) return;
        }
    }

    private void step(long step, int inEpoch) {
        currentStep = step;
        currentInEpoch = inEpoch;
        engine.step(stepBody);
    }

    private void stepOps() {
        long step = currentStep;
        engine.gather(sampling, currentInEpoch * config.batch(), clean, activations.input, step);
        model.forward(activations);
        model.loss(activations, clean, activations.logitsGradient(), losses,
                (int) (step % TrainingConfig.LOG_EVERY));
        model.backward(activations);
        adam.update(model.params.flat, model.grads.flat, step + 1);
    }

    /** Gives back what this trainer made on the engine: the model, Adam's moments, the activations, the batch and the losses. */
    @Override public void close() {
        activations.release();
        engine.release(clean);
        engine.release(losses);
        adam.release();
        model.close();
    }

    private void readLosses(long from, long to, float[] buffer, Listener listener) {
        engine.read(losses, buffer);
        float[] out = new float[(int) (to - from)];
        for (long s = from; s < to; s++) {
            float loss = buffer[(int) (s % TrainingConfig.LOG_EVERY)];
            if (!Float.isFinite(loss)) throw new DivergedException(s, loss);
            out[(int) (s - from)] = loss;
        }
        listener.losses(from, out);
    }

    private void captureState(TrainingState state, long step) {
        engine.read(model.params.flat, state.params);
        engine.read(adam.m, state.adamM);
        engine.read(adam.v, state.adamV);
        state.step = step;
    }
}
