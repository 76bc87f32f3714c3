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

    /** a.input -> a.logits. */
    public void forward(Activations a) {
        int stages = arch.stages();
        Tensor x = a.input;
        for (int i = 0; i < stages; i++) {
            conv(i, x, a.encoder[i]);
            engine.maxPool(a.encoder[i], a.pooled[i]);
            x = a.pooled[i];
        }
        for (int j = 0; j < stages; j++) {
            int level = stages - 1 - j;
            int layer = stages + j;
            switch (arch.decoder()) {
                // the resize and the convolution in one op, which an engine may compute from x alone
                case NEAREST -> engine.resizeConv3x3(x, a.up[j], params.weight(layer), params.bias(layer), a.decoder[j],
                        arch.layer(layer).relu());
                case BILINEAR -> engine.bilinearResize(x, a.up[j]);
                case UNPOOL -> engine.maxUnpool(a.encoder[level], a.pooled[level], x, a.up[j]);
                case TRANSPOSED -> { }
            }
            if (arch.decoder() != Decoder.NEAREST) conv(layer, a.up[j] != null ? a.up[j] : x, a.decoder[j]);
            if (arch.skips()) engine.add(a.decoder[j], a.encoder[level], a.joined[j]);
            x = a.stageOutput(j);
        }
        conv(arch.logitsLayer(), x, a.logits);
    }

    /**
     * Inference: a.input -> the denoised images in {@code output} (the logits' shape): the sigmoid of
     * the logits (cross-entropy), the logits (MSE), or the input minus them (the residual output). What
     * {@link Denoiser} runs and what the ONNX export writes. A linear output may leave [0, 1]: whoever
     * turns it into pixels clips it.
     */
    public void reconstruct(Activations a, Tensor output) {
        forward(a);
        if (arch.sigmoidOutput()) engine.sigmoid(a.logits, output);
        else if (arch.residual()) engine.subtract(a.input, a.logits, output);
        else engine.copy(a.logits, output);
    }

    /**
     * The loss of the forward pass in {@code a} against {@code clean}, into losses[slot], and its
     * gradient with respect to the logits into {@code gradient} (a.logitsGradient() when training):
     * sigmoid cross-entropy of the logits, or the mean squared error of the output; with the residual
     * output the logits are trained to predict the noise, input - clean.
     */
    public void loss(Activations a, Tensor clean, Tensor gradient, Tensor losses, int slot) {
        if (arch.sigmoidOutput()) {
            engine.sigmoidCrossEntropy(a.logits, clean, gradient, losses, slot);
        } else if (arch.residual()) {
            // mean((input - logits - clean)^2) = mean((logits - (input - clean))^2), with the gradient straight into the logits
            engine.subtract(a.input, clean, a.noiseTarget);
            engine.meanSquaredError(a.logits, a.noiseTarget, gradient, losses, slot);
        } else {
            engine.meanSquaredError(a.logits, clean, gradient, losses, slot);
        }
    }

    /** From the loss gradient in a.logitsGradient() to every parameter gradient in {@link #grads}. */
    public void backward(Activations a) {
        int stages = arch.stages();
        convBackward(arch.logitsLayer(), a.stageOutput(stages - 1), a.logits, a.dLogits, a.dDecoder[stages - 1]);
        for (int j = stages - 1; j >= 0; j--) {
            int level = stages - 1 - j, layer = stages + j;
            boolean upsampled = a.up[j] != null;
            Tensor below = j == 0 ? a.pooled[stages - 1] : a.stageOutput(j - 1), dBelow = j == 0 ? a.dPooled[stages - 1] : a.dDecoder[j - 1];
            Tensor x = upsampled ? a.up[j] : below, dx = upsampled ? a.dUp[j] : dBelow;
            // with a skip, the encoder's output of this size takes the same gradient; kept before the mask overwrites it
            if (arch.skips()) engine.copy(a.dDecoder[j], a.dSkip[level]);
            if (arch.decoder() == Decoder.NEAREST) {
                engine.resizeConv3x3Backward(below, a.up[j], params.weight(layer), a.decoder[j], a.dDecoder[j],
                        arch.layer(layer).relu(), a.dUp[j], dBelow, grads.weight(layer), grads.bias(layer));
                continue;
            }
            convBackward(layer, x, a.decoder[j], a.dDecoder[j], dx);
            if (!upsampled) continue;
            switch (arch.decoder()) {
                case NEAREST -> throw new IllegalStateException("a nearest stage's resize goes with its convolution");
                case BILINEAR -> engine.bilinearResizeBackward(a.dUp[j], dBelow);
                case UNPOOL -> engine.maxUnpoolBackward(a.encoder[level], a.pooled[level], a.dUp[j], dBelow);
                case TRANSPOSED -> throw new IllegalStateException("a transposed stage has no separate upsampling");
            }
        }
        for (int i = stages - 1; i >= 0; i--) {
            Tensor x = i == 0 ? a.input : a.pooled[i - 1], dx = i == 0 ? null : a.dPooled[i - 1];
            if (arch.skips()) {
                engine.maxPoolBackward(a.encoder[i], a.pooled[i], a.dPooled[i], a.dEncoder[i]);
                engine.add(a.dEncoder[i], a.dSkip[i], a.dEncoder[i]);
                convBackward(i, x, a.encoder[i], a.dEncoder[i], dx);
            } else {
                engine.conv3x3PoolBackward(x, params.weight(i), a.encoder[i], a.pooled[i], a.dPooled[i],
                        arch.layer(i).relu(), a.dEncoder[i], dx, grads.weight(i), grads.bias(i));
            }
        }
    }
}
