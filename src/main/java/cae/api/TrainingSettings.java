package cae.api;

import cae.model.Decoder;
import cae.train.TrainingConfig;

import java.nio.file.Path;

/**
 * The settings of a training run: the command line's {@code train} options, with its defaults (the
 * recipe: 10 epochs, batch 100, learning rate 0.001, noise 0.5, seed 1, all training images, the
 * nearest-resize decoder, MNIST, a new {@code runs/<date-time>} folder, {@link EngineSettings#defaults()}).
 * Immutable; made with {@link #builder()}:
 *
 * <pre>{@code
 * TrainingSettings settings = TrainingSettings.builder().epochs(3).data(Path.of("fashion-mnist")).build();
 * }</pre>
 */
public final class TrainingSettings {
    private final TrainingConfig config;
    private final Path data, out;
    private final EngineSettings engine;

    private TrainingSettings(TrainingConfig config, Path data, Path out, EngineSettings engine) {
        this.config = config;
        this.data = data;
        this.out = out;
        this.engine = engine;
    }

    /** Settings starting from the command line's defaults. */
    public static Builder builder() { return new Builder(); }

    /** Passes over the training images ({@code --epochs}). */
    public int epochs() { return config.epochs(); }

    /** Images per step ({@code --batch}). */
    public int batch() { return config.batch(); }

    /** Adam's learning rate ({@code --lr}). */
    public float learningRate() { return config.learningRate(); }

    /** Standard deviation of the Gaussian noise added to the inputs ({@code --noise}). */
    public float noise() { return config.noise().strength(); }

    /** Seed of the initialisation, shuffling and noise ({@code --seed}). */
    public long seed() { return config.seed(); }

    /** Train on the first this many training images; 0 means all ({@code --limit}). */
    public int limit() { return config.limit(); }

    /** The decoder variant ({@code --decoder}): nearest, bilinear, transposed or unpool. */
    public String decoder() { return config.decoder().id(); }

    /** The folder of IDX files ({@code --data}), or null for MNIST from the verified cache. */
    public Path data() { return data; }

    /** The run's folder ({@code --out}), or null for a new {@code runs/<date-time>} in the working directory. */
    public Path out() { return out; }

    /** The engine that trains. */
    public EngineSettings engine() { return engine; }

    TrainingConfig config() { return config; }

    @Override public String toString() {
        return config.settings() + ", data " + (data == null ? "MNIST" : data) + ", out " + (out == null ? "runs/<date-time>" : out)
                + ", " + engine;
    }

    /** Builds {@link TrainingSettings}; every setting starts at the command line's default. */
    public static final class Builder {
        private int epochs = TrainingConfig.EPOCHS, batch = TrainingConfig.BATCH, limit;
        private float learningRate = TrainingConfig.LEARNING_RATE, noise = TrainingConfig.NOISE;
        private long seed = TrainingConfig.SEED;
        private String decoder = Decoder.NEAREST.id();
        private Path data, out;
        private EngineSettings engine = EngineSettings.defaults();

        private Builder() {}

        /** Passes over the training images, at least 1; default 10. */
        public Builder epochs(int epochs) { this.epochs = epochs; return this; }

        /** Images per step, at least 1; default 100. */
        public Builder batch(int batch) { this.batch = batch; return this; }

        /** Adam's learning rate, positive; default 0.001. */
        public Builder learningRate(float rate) { this.learningRate = rate; return this; }

        /** Standard deviation of the input noise, 0 or more; default 0.5. */
        public Builder noise(float std) { this.noise = std; return this; }

        /** Seed of the initialisation, shuffling and noise; default 1. The same seed and settings give the same model on the CPU. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        /** Train on the first this many training images; 0 (the default) means all. */
        public Builder limit(int images) { this.limit = images; return this; }

        /** The decoder: {@code "nearest"} (the recipe, default), {@code "bilinear"}, {@code "transposed"} or {@code "unpool"}. */
        public Builder decoder(String decoder) { this.decoder = decoder; return this; }

        /**
         * A folder of IDX files ({@code train-images-idx3-ubyte}, {@code t10k-images-idx3-ubyte}, raw or
         * {@code .gz}), e.g. Fashion-MNIST; null (the default) means MNIST, fetched and verified into the
         * cache ({@code $CAE_DATA} or {@code ~/.cache/cae/mnist}).
         */
        public Builder data(Path folder) { this.data = folder; return this; }

        /** The run's folder, which must not hold a run; null (the default) means a new {@code runs/<date-time>}. */
        public Builder out(Path folder) { this.out = folder; return this; }

        /** The engine; default {@link EngineSettings#defaults()}. */
        public Builder engine(EngineSettings engine) {
            if (engine == null) throw new IllegalArgumentException("engine settings must be given");
            this.engine = engine;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public TrainingSettings build() {
            if (decoder == null) throw new IllegalArgumentException("decoder must be given");
            return new TrainingSettings(new TrainingConfig(epochs, batch, learningRate, noise, seed, limit, Decoder.parse(decoder)),
                    data, out, engine);
        }
    }
}
