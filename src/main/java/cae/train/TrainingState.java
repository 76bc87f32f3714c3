package cae.train;

import cae.model.Architecture;
import cae.model.Parameters;

/**
 * Everything that determines the rest of a run: the settings, the number of finished steps, the
 * weights and Adam's moments. Noise and shuffling are counter-based functions of (seed, step) and
 * (seed, epoch), so this is also the whole random state: resuming from it continues bit for bit
 * (docs/SPEC.md §7).
 */
public final class TrainingState {
    public final TrainingConfig config;
    public long step;
    public final float[] params, adamM, adamV;
    /** What the run measured so far (it does not change the training). */
    public final RunHistory history;

    public TrainingState(TrainingConfig config, long step, float[] params, float[] adamM, float[] adamV) {
        this(config, step, params, adamM, adamV, new RunHistory());
    }

    public TrainingState(TrainingConfig config, long step, float[] params, float[] adamM, float[] adamV, RunHistory history) {
        if (params.length != adamM.length || params.length != adamV.length)
            throw new IllegalArgumentException("parameter and moment buffers differ in size");
        if (step < 0) throw new IllegalArgumentException("step must be 0 or more, got " + step);
        this.config = config;
        this.step = step;
        this.params = params;
        this.adamM = adamM;
        this.adamV = adamV;
        this.history = history;
    }

    /** Step 0: Glorot-initialised weights from the seed, zero moments. */
    public static TrainingState fresh(TrainingConfig config) {
        Architecture arch = config.model();
        int n = arch.parameterCount();
        return new TrainingState(config, 0, Parameters.glorotInit(arch, config.seed()), new float[n], new float[n]);
    }
}
