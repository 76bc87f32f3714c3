package cae.api;

import cae.data.ImageFolder;
import cae.data.Split;
import cae.engine.Noise;
import cae.model.Architecture;
import cae.model.Decoder;
import cae.train.TrainingConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The settings of a training run: the command line's {@code train} options, with its defaults (the
 * recipe: 10 epochs, batch 100, learning rate 0.001, seed 1, all training images, the nearest-resize
 * decoder with stage widths 32, 32, 16, MNIST with Gaussian noise 0.5, a new {@code runs/<date-time>}
 * folder, {@link EngineSettings#defaults()}). Immutable; made with {@link #builder()}:
 *
 * <pre>{@code
 * TrainingSettings settings = TrainingSettings.builder().epochs(3).data(Path.of("fashion-mnist")).build();
 * }</pre>
 *
 * <p>Your own photographs: {@link Builder#data(Path)} also takes a folder of PNG, JPEG, BMP or GIF images
 * (searched recursively, any sizes, grey or colour; Gaussian noise 0.1 by default), trained on random
 * crops with flips:
 *
 * <pre>{@code
 * TrainingSettings photos = TrainingSettings.builder().data(Path.of("my-photos")).patch(64).crops(8)
 *         .widths(32, 32).skips(true).residual(true).noise("gaussian:0.1").maxMinutes(30).build();
 * }</pre>
 */
public final class TrainingSettings {
    /** How the API names a setting in a message, from its command-line name. */
    private static final Map<String, String> NAMES = Map.of("noisy-data", "noisyData", "test", "test folder", "val", "validation folder");
    static final UnaryOperator<String> NAMING = option -> NAMES.getOrDefault(option, option);

    /** The settings for grey images; the model gets the data's channels when the data is read ({@link #config(int)}). */
    private final TrainingConfig config;
    private final Path data, out;
    private final EngineSettings engine;
    private final boolean photos;
    private final ImageFolder.Color color;
    private final Split split;
    private final Path validation, test, noisyData;
    private final long maxPixels;
    private final double maxMinutes;

    private TrainingSettings(Builder b, TrainingConfig config, boolean photos, ImageFolder.Color color, Split split) {
        this.config = config;
        this.data = b.data;
        this.out = b.out;
        this.engine = b.engine;
        this.photos = photos;
        this.color = color;
        this.split = split;
        this.validation = b.validation;
        this.test = b.test;
        this.noisyData = b.noisyData;
        this.maxPixels = b.maxPixels != null ? b.maxPixels : ImageFolder.DEFAULT_MAX_PIXELS;
        this.maxMinutes = b.maxMinutes;
    }

    /** Settings starting from the command line's defaults. */
    public static Builder builder() { return new Builder(); }

    /** Passes over the training images ({@code --epochs}). */
    public int epochs() { return config.epochs(); }

    /** Images per step ({@code --batch}). */
    public int batch() { return config.batch(); }

    /** Adam's learning rate ({@code --lr}). */
    public float learningRate() { return config.learningRate(); }

    /** The strength of the noise added to the inputs: the Gaussian's standard deviation, or the fraction of pixels hit; 0 for none. */
    public float noise() { return config.noise().strength(); }

    /** The noise added to the inputs ({@code --noise}) as its text: "gaussian:0.5", "salt-pepper:0.1", "mask:0.3", or "none" with noisy twins. */
    public String noiseModel() { return config.noise().toString(); }

    /** Seed of the initialisation, shuffling, crops and noise ({@code --seed}). */
    public long seed() { return config.seed(); }

    /** Train on the first this many training images; 0 means all ({@code --limit}). */
    public int limit() { return config.limit(); }

    /** The decoder variant ({@code --decoder}): nearest, bilinear, transposed or unpool. */
    public String decoder() { return config.decoder().id(); }

    /** The channels of each stage ({@code --widths}), from the first encoder stage. */
    public List<Integer> widths() { return config.model().widths(); }

    /** Whether each encoder stage is added to the decoder stage of its size ({@code --skips}). */
    public boolean skips() { return config.model().skips(); }

    /** Whether the network predicts the noise, the output being the input minus it ({@code --residual}). */
    public boolean residual() { return config.model().residual(); }

    /** The loss ({@code --loss}): "xent" (sigmoid cross-entropy, the recipe) or "mse". */
    public String loss() { return config.model().loss().id(); }

    /** The side of the random square crops trained on ({@code --patch}), or 0 for whole images. */
    public int patch() { return config.patch(); }

    /** Crops of each image per epoch ({@code --crops}). */
    public int crops() { return config.crops(); }

    /** The data ({@code --data}): a folder of IDX files or of photographs, or null for MNIST from the verified cache. */
    public Path data() { return data; }

    /** Whether {@link #data()} is a folder of photographs (not IDX files, not MNIST). */
    public boolean photos() { return photos; }

    /** Photographs' channels ({@code --color}): "grey", "rgb", or "auto" (rgb when any image has colour). */
    public String color() { return color.name().toLowerCase(java.util.Locale.ROOT); }

    /** The fractions of a photo folder for training, validation and test ({@code --split}), e.g. "0.8,0.1,0.1". */
    public String split() { return split.toString(); }

    /** The folder of validation photographs ({@code --val}), or null: from the split. */
    public Path validation() { return validation; }

    /** The folder of test photographs ({@code --test}), or null: from the split. */
    public Path test() { return test; }

    /** The folder of real noisy twins of the photographs ({@code --noisy-data}), or null: synthetic noise. */
    public Path noisyData() { return noisyData; }

    /** The most pixels one photograph may have ({@code --max-pixels}). */
    public long maxPixels() { return maxPixels; }

    /** The time budget in minutes ({@code --max-minutes}), or 0 for none. */
    public double maxMinutes() { return maxMinutes; }

    /** The run's folder ({@code --out}), or null for a new {@code runs/<date-time>} in the working directory. */
    public Path out() { return out; }

    /** The engine that trains. */
    public EngineSettings engine() { return engine; }

    /** The run's settings for data of {@code channels}. */
    TrainingConfig config(int channels) { return config.withChannels(channels); }

    /** How photographs are read for this run, progress and notes going to {@code log}. */
    ImageFolder.Options photoOptions(java.io.PrintStream log) {
        ImageFolder.Options options = new ImageFolder.Options(data).validation(validation).test(test).noisy(noisyData)
                .color(color).split(split).maxPixels(maxPixels).log(log, false);
        if (engine.threads() > 0) options.threads(engine.threads());
        return options;
    }

    @Override public String toString() {
        return config.settings() + ", data " + (data == null ? "MNIST" : data) + (maxMinutes > 0 ? ", max minutes " + maxMinutes : "")
                + ", out " + (out == null ? "runs/<date-time>" : out) + ", " + engine;
    }

    /** Builds {@link TrainingSettings}; every setting starts at the command line's default. */
    public static final class Builder {
        private int epochs = TrainingConfig.EPOCHS, batch = TrainingConfig.BATCH, limit, patch, crops = 1;
        private float learningRate = TrainingConfig.LEARNING_RATE;
        private String noise;
        private long seed = TrainingConfig.SEED;
        private String decoder = Decoder.NEAREST.id(), loss, color, split;
        private List<Integer> widths = Architecture.RECIPE_WIDTHS;
        private boolean skips, residual;
        private Path data, out, validation, test, noisyData;
        private Long maxPixels;
        private double maxMinutes;
        private EngineSettings engine = EngineSettings.defaults();

        private Builder() {}

        /** Passes over the training images, at least 1; default 10. */
        public Builder epochs(int epochs) { this.epochs = epochs; return this; }

        /** Images per step, at least 1; default 100. */
        public Builder batch(int batch) { this.batch = batch; return this; }

        /** Adam's learning rate, positive; default 0.001. */
        public Builder learningRate(float rate) { this.learningRate = rate; return this; }

        /** Gaussian noise of this standard deviation, 0 or more; default 0.5 (photographs: 0.1). */
        public Builder noise(float std) { this.noise = Float.toString(std); return this; }

        /**
         * The noise, on the [0, 1] pixel scale and clipped to it: {@code "gaussian:SIGMA"} (a bare number
         * means Gaussian), {@code "salt-pepper:P"}, {@code "mask:P"} (a fraction P of pixels set to 0), or
         * {@code "none"}; null means the default (Gaussian 0.5, photographs 0.1, none with {@link #noisyData}).
         */
        public Builder noise(String model) { this.noise = model; return this; }

        /** Seed of the initialisation, shuffling, crops and noise; default 1. The same seed and settings give the same model on the CPU. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        /** Train on the first this many training images; 0 (the default) means all. */
        public Builder limit(int images) { this.limit = images; return this; }

        /** The decoder: {@code "nearest"} (the recipe, default), {@code "bilinear"}, {@code "transposed"} or {@code "unpool"}. */
        public Builder decoder(String decoder) { this.decoder = decoder; return this; }

        /** The channels of each stage, from the first encoder stage (also the number of stages); default 32, 32, 16. */
        public Builder widths(int... widths) {
            List<Integer> list = new ArrayList<>();
            for (int w : widths) list.add(w);
            this.widths = list;
            return this;
        }

        /** Add each encoder stage's output to the decoder stage of the same size; default off (not with the unpool decoder). */
        public Builder skips(boolean on) { this.skips = on; return this; }

        /** Predict the noise, the output being the input minus it (a linear output; needs the mse loss); default off. */
        public Builder residual(boolean on) { this.residual = on; return this; }

        /** The loss: {@code "xent"} (sigmoid cross-entropy, the recipe) or {@code "mse"}; null (the default) means mse with {@link #residual}, else xent. */
        public Builder loss(String loss) { this.loss = loss; return this; }

        /**
         * The data: a folder of IDX files ({@code train-images-idx3-ubyte}, {@code t10k-images-idx3-ubyte},
         * raw or {@code .gz}), e.g. Fashion-MNIST; or a folder of photographs (PNG, JPEG, BMP or GIF,
         * searched recursively, any sizes), split into training, validation and test images by a hash of
         * each file's relative path; null (the default) means MNIST, fetched and verified into the cache
         * ({@code $CAE_DATA} or {@code ~/.cache/cae/mnist}). Which kind a folder is, is decided when the
         * settings are built.
         */
        public Builder data(Path folder) { this.data = folder; return this; }

        /** Photographs: {@code "grey"}, {@code "rgb"}, or {@code "auto"} (the default: rgb when any image has colour). */
        public Builder color(String channels) { this.color = channels; return this; }

        /** Photographs: the fractions for training, validation and test, adding up to 1; default {@code "0.8,0.1,0.1"}. */
        public Builder split(String fractions) { this.split = fractions; return this; }

        /** Photographs: validation images from this folder (all of it) instead of the split; null (the default): from the split. */
        public Builder validation(Path folder) { this.validation = folder; return this; }

        /** Photographs: test images from this folder (all of it) instead of the split; null (the default): from the split. */
        public Builder test(Path folder) { this.test = folder; return this; }

        /**
         * Photographs: a folder holding a real noisy twin of each photograph at the same relative path;
         * the run learns from these pairs and adds no noise (so no {@link #noise} may be given).
         */
        public Builder noisyData(Path folder) { this.noisyData = folder; return this; }

        /** Photographs: refuse an image of more pixels than this (by its header, before decoding); default 100 megapixels. */
        public Builder maxPixels(long pixels) { this.maxPixels = pixels; return this; }

        /**
         * Train on random {@code side} x {@code side} crops with random flips; 0 (the default) trains on
         * whole images, which must then share one size. Needed for photographs of different sizes; not
         * larger than the smallest image.
         */
        public Builder patch(int side) { this.patch = side; return this; }

        /** Crops of each image per epoch (an epoch is every image's crops once), at least 1, more only with a {@link #patch}; default 1. */
        public Builder crops(int perImage) { this.crops = perImage; return this; }

        /** A time budget: after this many minutes the run stops with every output written, as a finished run; 0 (the default) means none. */
        public Builder maxMinutes(double minutes) { this.maxMinutes = minutes; return this; }

        /** The run's folder, which must not hold a run; null (the default) means a new {@code runs/<date-time>}. */
        public Builder out(Path folder) { this.out = folder; return this; }

        /** The engine; default {@link EngineSettings#defaults()}. */
        public Builder engine(EngineSettings engine) {
            if (engine == null) throw new IllegalArgumentException("engine settings must be given");
            this.engine = engine;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range, or a combination that does not fit */
        public TrainingSettings build() {
            if (decoder == null) throw new IllegalArgumentException("decoder must be given");
            if (widths == null) throw new IllegalArgumentException("widths must be given");
            boolean photos = ImageFolder.holdsPhotos(data);
            if (!photos) {
                List<String> given = new ArrayList<>();
                if (color != null) given.add("color");
                if (split != null) given.add("split");
                if (validation != null) given.add("validation");
                if (test != null) given.add("test");
                if (noisyData != null) given.add("noisyData");
                if (maxPixels != null) given.add("maxPixels");
                if (!given.isEmpty())
                    throw new IllegalArgumentException(String.join(", ", given) + (given.size() == 1 ? " applies" : " apply")
                            + " to a folder of photographs given as data, not to " + (data == null ? "MNIST" : "the IDX files in " + data));
            }
            if (maxPixels != null && maxPixels < 1) throw new IllegalArgumentException("maxPixels must be at least 1, got " + maxPixels);
            if (!(maxMinutes >= 0) || Double.isInfinite(maxMinutes))
                throw new IllegalArgumentException("maxMinutes must be 0 (no budget) or a positive number of minutes, got " + maxMinutes);
            ImageFolder.Color channels = color == null ? ImageFolder.Color.AUTO : parsed("color", () -> ImageFolder.Color.parse(color));
            Split fractions = split == null ? Split.DEFAULT : parsed("split", () -> Split.parse(split));
            Noise given = noise == null ? null : parsed("", () -> Noise.parse(noise));
            Noise chosen = TrainingConfig.noiseFor(given, photos, noisyData != null, NAMING);
            Architecture.Loss lossChoice = loss == null ? Architecture.Loss.defaultFor(residual) : parsed("", () -> Architecture.Loss.parse(loss));
            Architecture model = new Architecture(Decoder.parse(decoder), 1, widths, skips, residual, lossChoice);
            TrainingConfig config = new TrainingConfig(epochs, batch, learningRate, chosen, seed, limit, model, patch, crops);
            return new TrainingSettings(this, config, photos, channels, fractions);
        }

        /** A setting's parsed value; the parser's refusal names the setting where the parser does not. */
        private static <T> T parsed(String setting, java.util.function.Supplier<T> parser) {
            try {
                return parser.get();
            } catch (IllegalArgumentException e) {
                throw setting.isEmpty() ? e : new IllegalArgumentException(setting + " " + e.getMessage(), e);
            }
        }
    }
}
