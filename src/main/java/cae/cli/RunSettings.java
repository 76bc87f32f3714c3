package cae.cli;

import cae.engine.Noise;
import cae.model.Architecture;
import cae.model.Decoder;
import cae.train.RunData;
import cae.train.TrainingConfig;
import picocli.CommandLine;

/**
 * A new run's settings from the options that {@code train} and {@code compare} share (--epochs,
 * --batch, --lr, --noise, --seed, --limit, --patch, --crops and the {@link ModelOptions}), read by one
 * rule for both: the checks made before any data is read, the noise a run gets where --noise is not
 * given, the model, and what a folder of photos must give the run.
 */
final class RunSettings {
    private final CommandLine cmd;
    private final ModelOptions model;
    private final int epochs, batch, limit;
    private final float learningRate;
    private final String noise;
    private final long seed;
    private final Integer patch, crops;

    /** {@code noise}, {@code patch} and {@code crops} are null where the option is not given. */
    RunSettings(CommandLine cmd, ModelOptions model, int epochs, int batch, float learningRate, String noise, long seed, int limit,
                Integer patch, Integer crops) {
        this.cmd = cmd;
        this.model = model;
        this.epochs = epochs;
        this.batch = batch;
        this.learningRate = learningRate;
        this.noise = noise;
        this.seed = seed;
        this.limit = limit;
        this.patch = patch;
        this.crops = crops;
    }

    /** The numbers, --crops against --patch and --noise, checked before the output folder is taken or any data read. */
    void check() {
        positive(cmd, "--epochs", epochs);
        positive(cmd, "--batch", batch);
        if (!(learningRate > 0) || Float.isInfinite(learningRate))
            throw new CommandLine.ParameterException(cmd, "--lr must be a positive number, got " + learningRate);
        if (limit < 0) throw new CommandLine.ParameterException(cmd, "--limit must be 0 or more, got " + limit);
        if (patch != null) positive(cmd, "--patch", patch);
        if (crops != null) positive(cmd, "--crops", crops);
        if (crops != null && patch == null)
            throw new CommandLine.ParameterException(cmd, "--crops needs --patch: it counts the crops cut from each image");
        if (noise != null) noise();
    }

    /** The --noise given, parsed; a usage error where it does not parse. */
    Noise noise() {
        return DataOptions.parsed(cmd, "--noise", () -> Noise.parse(noise));
    }

    /** The model of the model options with {@code decoder}, for images of {@code channels}; a combination that does not fit is a usage error. */
    Architecture architecture(Decoder decoder, int channels) {
        return model.architecture(cmd, decoder, channels);
    }

    /**
     * The new run's settings with {@code decoder} for images of {@code channels}. Photos default to
     * Gaussian noise of 0.1 (about 25/255), IDX data to the recipe's 0.5, real noisy twins to none.
     */
    TrainingConfig config(Decoder decoder, int channels, boolean photos, boolean noisyTwins) {
        Noise n = DataOptions.parsed(cmd, "", () -> TrainingConfig.noiseFor(noise != null ? noise() : null, photos, noisyTwins, OPTION));
        return new TrainingConfig(epochs, batch, learningRate, n, seed, limit, architecture(decoder, channels),
                patch != null ? patch : 0, crops != null ? crops : 1);
    }

    /** What a folder of photos must give a run with {@code config}: test images, and images of one size or a patch that fits them all. */
    void checkPhotos(RunData runData, TrainingConfig config) {
        String problem = runData.sizeProblem(config.patch(), OPTION);
        if (problem != null) throw new CommandLine.ParameterException(cmd, problem);
    }

    /** A setting's name as the command line spells it. */
    private static final java.util.function.UnaryOperator<String> OPTION = name -> "--" + name;

    /** {@code value}, or a usage error "OPTION must be at least 1, got V". */
    static int positive(CommandLine cmd, String option, int value) {
        if (value < 1) throw new CommandLine.ParameterException(cmd, option + " must be at least 1, got " + value);
        return value;
    }
}
