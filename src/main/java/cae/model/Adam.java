package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

/** Adam in the TensorFlow 1 form (docs/SPEC.md §2): the bias correction folded into the step size. */
public final class Adam {
    public static final float BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;

    private final Engine engine;
    private final float learningRate;
    public final Tensor m, v;

    public Adam(Engine engine, int size, float learningRate) {
        this.engine = engine;
        this.learningRate = learningRate;
        this.m = engine.zeros(size);
        this.v = engine.zeros(size);
    }

    /** The optimizer and its settings, as the model file's metadata names them (RecipeFormulasTest holds it to the constants). */
    public static String describe() {
        return "adam(beta1=0.9, beta2=0.999, epsilon=1e-8, tf1 form)";
    }

    /** lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), for update number t (1-based). */
    public static float stepSize(float learningRate, long t) {
        return (float) (learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
    }

    /** Gives the moments back to the engine (Engine.release); this optimizer must not be used afterwards. */
    public void release() {
        engine.release(m);
        engine.release(v);
    }

    /** Applies update number {@code t} (1-based). */
    public void update(Tensor params, Tensor grads, long t) {
        engine.adam(params, grads, m, v, stepSize(learningRate, t), BETA1, BETA2, EPSILON);
    }
}
