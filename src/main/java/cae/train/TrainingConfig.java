package cae.train;

import cae.model.Decoder;

/** The recipe's settings (SPEC §3) and the model's decoder; the defaults are the recipe's. */
public record TrainingConfig(int epochs, int batch, float learningRate, float noise, long seed, int limit, Decoder decoder) {
    public static final int EPOCHS = 10, BATCH = 100, LOG_EVERY = 100;
    public static final float LEARNING_RATE = 1e-3f, NOISE = 0.5f;

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
}
