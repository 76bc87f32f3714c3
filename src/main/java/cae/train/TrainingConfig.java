package cae.train;

import cae.model.Decoder;

import java.util.LinkedHashMap;
import java.util.Map;

/** The recipe's settings (docs/SPEC.md §3.1) and the model's decoder; the defaults are the recipe's. */
public record TrainingConfig(int epochs, int batch, float learningRate, float noise, long seed, int limit, Decoder decoder) {
    public static final int EPOCHS = 10, BATCH = 100, LOG_EVERY = 100;
    public static final float LEARNING_RATE = 1e-3f, NOISE = 0.5f;
    /** The command line's default seed. */
    public static final long SEED = 1;

    public TrainingConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        if (!(noise >= 0) || Float.isInfinite(noise)) throw new IllegalArgumentException("noise must be zero or positive, got " + noise);
        if (limit < 0) throw new IllegalArgumentException("limit must be zero (no limit) or positive, got " + limit);
        if (decoder == null) throw new IllegalArgumentException("decoder must be given");
    }

    /** The recipe's model (nearest-resize decoder). */
    public TrainingConfig(int epochs, int batch, float learningRate, float noise, long seed, int limit) {
        this(epochs, batch, learningRate, noise, seed, limit, Decoder.NEAREST);
    }

    public int stepsPerEpoch(int trainImages) { return trainImages / batch; }

    /** The settings under the names both files and metrics.json use, with their types. */
    public Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("decoder", decoder.id());
        settings.put("epochs", epochs);
        settings.put("batch", batch);
        settings.put("learning_rate", learningRate);
        settings.put("noise", noise);
        settings.put("seed", seed);
        settings.put("limit", limit);
        return settings;
    }

    /** The settings as the string metadata of model and checkpoint files (safetensors' __metadata__). */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        settings().forEach((name, value) -> meta.put(name, value.toString()));
        return meta;
    }
}
