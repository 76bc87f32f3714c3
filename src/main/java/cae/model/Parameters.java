package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

import java.util.SplittableRandom;

/**
 * The model's weights and biases in one flat engine buffer (so Adam is one pass), with a view per
 * layer tensor. The same layout serves gradients and Adam's moments.
 */
public final class Parameters {
    private final Engine engine;
    public final Tensor flat;
    private final Tensor[] weights, biases;

    public Parameters(Engine engine, Architecture arch) {
        this.engine = engine;
        flat = engine.zeros(arch.parameterCount());
        int n = arch.layers().size();
        weights = new Tensor[n];
        biases = new Tensor[n];
        int offset = 0;
        for (int i = 0; i < n; i++) {
            ConvLayer l = arch.layer(i);
            weights[i] = engine.view(flat, offset, l.weightShape());
            offset += l.weightCount();
            biases[i] = engine.view(flat, offset, l.biasShape());
            offset += l.outChannels();
        }
    }

    public Tensor weight(int layer) { return weights[layer]; }

    public Tensor bias(int layer) { return biases[layer]; }

    /** Gives the buffer back to the engine (Engine.release); these parameters and their views must not be used afterwards. */
    public void release() { engine.release(flat); }

    /** Glorot-uniform kernels and zero biases, from one seed (docs/SPEC.md §2), in parameter-buffer order. */
    public static float[] glorotInit(Architecture arch, long seed) {
        float[] values = new float[arch.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        int offset = 0;
        for (ConvLayer l : arch.layers()) {
            double limit = l.glorotLimit();
            for (int i = 0; i < l.weightCount(); i++) values[offset + i] = (float) random.nextDouble(-limit, limit);
            offset += l.parameterCount();
        }
        return values;
    }
}
