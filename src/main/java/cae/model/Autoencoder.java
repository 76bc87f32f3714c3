package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

/**
 * The forward and backward passes of the model on any engine. The decoder goes back to the encoder's
 * recorded sizes, so any H x W goes in and the same H x W comes out. Closing it gives its parameters
 * and gradients back to the engine.
 */
public final class Autoencoder implements AutoCloseable {
    private final Engine engine;
    public final Architecture arch;
    public final Parameters params;
    public final Parameters grads;

    public Autoencoder(Engine engine, Architecture arch) {
        this.engine = engine;
        this.arch = arch;
        this.params = new Parameters(engine, arch);
        this.grads = new Parameters(engine, arch);
    }

    public Engine engine() { return engine; }

    /** Gives the parameters and gradients back to the engine (Engine.release); the model must not be used afterwards. */
    @Override public void close() {
        params.release();
        grads.release();
    }

    public void setWeights(float[] values) { engine.write(params.flat, values); }

    /** Inference (or training) tensors for this model at a batch and image size. */
    public Activations activations(int batch, int height, int width, boolean training) {
        return new Activations(engine, arch, batch, height, width, training);
    }

    private void conv(int layer, Tensor x, Tensor y) {
        ConvLayer l = arch.layer(layer);
        if (l.transposed()) engine.transposedConv3x3(x, params.weight(layer), params.bias(layer), y, l.relu());
        else engine.conv3x3(x, params.weight(layer), params.bias(layer), y, l.relu());
    }

    private void convBackward(int layer, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        ConvLayer l = arch.layer(layer);
        if (l.transposed())
            engine.transposedConv3x3Backward(x, params.weight(layer), y, dy, l.relu(), dx, grads.weight(layer), grads.bias(layer));
        else
            engine.conv3x3Backward(x, params.weight(layer), y, dy, l.relu(), dx, grads.weight(layer), grads.bias(layer));
    }

    /**
     * Whether decoder stage j's output goes through a nearest resize into stage j + 1 (false for j = -1,
     * the encoder's last pool). Then the resize's backward goes with stage j's own
     * ({@link Engine#conv3x3ResizeBackward}), which an engine may fuse.
     */
    private boolean resizedAbove(int j) {
        return arch.decoder() == Decoder.NEAREST && j >= 0 && j + 1 < Architecture.UP_STAGES;
    }

    /** a.input -> a.logits. */
    public void forward(Activations a) {
        Tensor x = a.input;
        for (int i = 0; i < 3; i++) {
            conv(i, x, a.encoder[i]);
            engine.maxPool(a.encoder[i], a.pooled[i]);
            x = a.pooled[i];
        }
        for (int j = 0; j < Architecture.UP_STAGES; j++) {
            int level = 2 - j;
            switch (arch.decoder()) {
                case NEAREST -> engine.resize(x, a.up[j]);
                case BILINEAR -> engine.bilinearResize(x, a.up[j]);
                case UNPOOL -> engine.maxUnpool(a.encoder[level], a.pooled[level], x, a.up[j]);
                case TRANSPOSED -> { }
            }
            conv(3 + j, a.up[j] != null ? a.up[j] : x, a.decoder[j]);
            x = a.decoder[j];
        }
        conv(Architecture.LOGITS, x, a.logits);
    }

    /**
     * Inference: a.input -> the reconstruction in {@code output} (the logits' shape), the sigmoid of
     * the logits. What {@link Denoiser} runs and what the ONNX export writes.
     */
    public void reconstruct(Activations a, Tensor output) {
        forward(a);
        engine.sigmoid(a.logits, output);
    }

    /** From the loss gradient in a.logitsGradient() to every parameter gradient in {@link #grads}. */
    public void backward(Activations a) {
        convBackward(Architecture.LOGITS, a.decoder[2], a.logits, a.dLogits, a.dDecoder[2]);
        for (int j = Architecture.UP_STAGES - 1; j >= 0; j--) {
            int level = 2 - j, layer = 3 + j;
            boolean upsampled = a.up[j] != null;
            Tensor below = j == 0 ? a.pooled[2] : a.decoder[j - 1], dBelow = j == 0 ? a.dPooled[2] : a.dDecoder[j - 1];
            Tensor x = upsampled ? a.up[j] : below, dx = upsampled ? a.dUp[j] : dBelow;
            if (resizedAbove(j))
                engine.conv3x3ResizeBackward(x, params.weight(layer), a.decoder[j], a.dUp[j + 1], arch.layer(layer).relu(),
                        a.dDecoder[j], dx, grads.weight(layer), grads.bias(layer));
            else
                convBackward(layer, x, a.decoder[j], a.dDecoder[j], dx);
            if (!upsampled) continue;
            switch (arch.decoder()) {
                case NEAREST -> { if (!resizedAbove(j - 1)) engine.resizeBackward(a.dUp[j], dBelow); }
                case BILINEAR -> engine.bilinearResizeBackward(a.dUp[j], dBelow);
                case UNPOOL -> engine.maxUnpoolBackward(a.encoder[level], a.pooled[level], a.dUp[j], dBelow);
                case TRANSPOSED -> throw new IllegalStateException("a transposed stage has no separate upsampling");
            }
        }
        for (int i = 2; i >= 0; i--)
            engine.conv3x3PoolBackward(i == 0 ? a.input : a.pooled[i - 1], params.weight(i), a.encoder[i], a.pooled[i], a.dPooled[i],
                    arch.layer(i).relu(), a.dEncoder[i], i == 0 ? null : a.dPooled[i - 1], grads.weight(i), grads.bias(i));
    }
}
