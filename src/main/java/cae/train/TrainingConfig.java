package cae.train;

import cae.engine.Noise;
import cae.model.Architecture;
import cae.model.Decoder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training settings (docs/SPEC.md §3.1) and the model they train; the defaults are the recipe's.
 *
 * @param noise the corruption the model learns to undo ({@link Noise#NONE} with real noisy pairs)
 * @param model the architecture: decoder, channels, stage widths, skips, residual output, loss
 * @param patch the side of the random square crops each sample is cut as (with random flips), or 0 to
 *              train on whole images, which must then share one size (IDX data: the recipe)
 * @param crops how many crops each image gives per epoch (an epoch is every image's crops once)
 */
public record TrainingConfig(int epochs, int batch, float learningRate, Noise noise, long seed, int limit,
                             Architecture model, int patch, int crops) {
    public static final int EPOCHS = 10, BATCH = 100, LOG_EVERY = 100;
    public static final float LEARNING_RATE = 1e-3f, NOISE = 0.5f;
    /** Photographs' default noise: Gaussian, about 25/255, the level denoising papers report most. */
    public static final Noise PHOTO_NOISE = Noise.gaussian(0.1f);
    /** The command line's default seed. */
    public static final long SEED = 1;

    public TrainingConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        if (noise == null) throw new IllegalArgumentException("noise must be given (Noise.NONE for none)");
        if (limit < 0) throw new IllegalArgumentException("limit must be zero (no limit) or positive, got " + limit);
        if (model == null) throw new IllegalArgumentException("the model must be given");
        if (patch < 0) throw new IllegalArgumentException("patch must be zero (whole images) or positive, got " + patch);
        if (crops < 1) throw new IllegalArgumentException("crops must be at least 1, got " + crops);
        if (crops > 1 && patch == 0) throw new IllegalArgumentException("crops per image need a patch size to cut them");
    }

    /** Gaussian noise of this sigma on whole images, the recipe's model with {@code decoder}. */
    public TrainingConfig(int epochs, int batch, float learningRate, float noise, long seed, int limit, Decoder decoder) {
        this(epochs, batch, learningRate, Noise.gaussian(noise), seed, limit, Architecture.of(decoder), 0, 1);
    }

    /** The recipe's model (nearest-resize decoder). */
    public TrainingConfig(int epochs, int batch, float learningRate, float noise, long seed, int limit) {
        this(epochs, batch, learningRate, noise, seed, limit, Decoder.NEAREST);
    }

    /**
     * The noise a new run adds: the one {@code given}, else photographs' default ({@link #PHOTO_NOISE})
     * or the recipe's (Gaussian, {@link #NOISE}); none with real noisy twins, which are the input, so
     * giving a noise with them is refused.
     *
     * @param given  the noise asked for, or null for the default
     * @param option how the caller names a setting, from its command-line name without dashes
     *               ("noise", "noisy-data"), for the message
     * @throws IllegalArgumentException when a noise is given with noisy twins
     */
    public static Noise noiseFor(Noise given, boolean photos, boolean noisyTwins, java.util.function.UnaryOperator<String> option) {
        if (noisyTwins && given != null)
            throw new IllegalArgumentException(option.apply("noise") + " does not apply with " + option.apply("noisy-data")
                    + ": the noisy twins are the input");
        if (noisyTwins) return Noise.NONE;
        if (given != null) return given;
        return photos ? PHOTO_NOISE : Noise.gaussian(NOISE);
    }

    /** The same settings with the model made for images of {@code channels} (1 grey, 3 RGB), as the data turned out to be. */
    public TrainingConfig withChannels(int channels) {
        Architecture m = new Architecture(model.decoder(), channels, model.widths(), model.skips(), model.residual(), model.loss());
        return new TrainingConfig(epochs, batch, learningRate, noise, seed, limit, m, patch, crops);
    }

    public Decoder decoder() { return model.decoder(); }

    /** Samples per epoch: every image's crops once (its whole self once without a patch). */
    public long samplesPerEpoch(int trainImages) { return (long) trainImages * crops; }

    public int stepsPerEpoch(int trainImages) { return (int) Math.min(Integer.MAX_VALUE, samplesPerEpoch(trainImages) / batch); }

    /**
     * The settings under the names both files and metrics.json use, with their types. Gaussian noise
     * is written as its sigma (what files written before the other noise models hold), the others as
     * "salt-pepper:0.1"; {@link Noise#parse} reads both.
     */
    public Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("decoder", model.decoder().id());
        settings.put("epochs", epochs);
        settings.put("batch", batch);
        settings.put("learning_rate", learningRate);
        settings.put("noise", noise.kind() == Noise.Kind.GAUSSIAN ? (Object) noise.strength() : noise.toString());
        settings.put("seed", seed);
        settings.put("limit", limit);
        Map<String, String> arch = model.metadata();
        arch.remove("decoder");
        settings.putAll(arch);
        settings.put("patch", patch);
        settings.put("crops", crops);
        return settings;
    }

    /** The settings as the string metadata of model and checkpoint files (safetensors' __metadata__). */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        settings().forEach((name, value) -> meta.put(name, value.toString()));
        return meta;
    }
}
