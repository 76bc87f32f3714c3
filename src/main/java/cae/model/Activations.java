package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Every intermediate tensor of one forward (and, when training, backward) pass at a fixed batch size
 * and image size, allocated once and reused for every batch of that shape. Stage i of the encoder is
 * conv i -> pool i; up stage j goes to the encoder's recorded size of level stages - 1 - j. A gradient
 * tensor is named after the activation it is the gradient of.
 */
public final class Activations {
    public final Architecture arch;
    public final int batch, height, width;
    private final Engine engine;

    public final Tensor input;        // the (noisy) images, N x C x H x W
    final Tensor[] encoder, pooled;
    final Tensor[] up;                // the resized or unpooled input of each up stage's conv (none for transposed)
    final Tensor[] decoder;           // each up stage's conv output
    final Tensor[] joined;            // with skips: the up stage's output plus the encoder's of its size, the next stage's input
    public final Tensor logits;

    /** dDecoder[j]: the gradient of up stage j's output as the next stage sees it ({@link #stageOutput}). */
    final Tensor[] dEncoder, dPooled, dUp, dDecoder;
    /** With skips: each encoder stage output's gradient through its skip, kept before a ReLU mask reuses the tensor. */
    final Tensor[] dSkip;
    final Tensor dLogits;
    /** With the residual output: the noise the network is trained (or scored) to predict, input - clean. */
    final Tensor noiseTarget;

    /** A batch of images too large for the engines' tensors, which index their elements with an int. */
    public static final class TooLargeException extends RuntimeException {
        TooLargeException(String message) { super(message); }
    }

    /**
     * Throws {@link TooLargeException} unless every tensor of this model at this batch and image size
     * (with a cell of padding around each image, as the engines' scratch has) has fewer than 2^31 elements.
     */
    public static void checkSize(Architecture arch, int batch, int height, int width) {
        int channels = 1;
        for (ConvLayer l : arch.layers()) channels = Math.max(channels, Math.max(l.inChannels(), l.outChannels()));
        long largest = (long) batch * channels * (height + 2L) * (width + 2L);
        if (largest > Integer.MAX_VALUE)
            throw new TooLargeException(String.format(java.util.Locale.ROOT,
                    "%d image%s of %dx%d need%s tensors of about %,d values, more than the %,d one tensor can hold; use a smaller "
                            + "batch or smaller images", batch, batch == 1 ? "" : "s", height, width, batch == 1 ? "s" : "", largest,
                    Integer.MAX_VALUE));
    }

    public Activations(Engine engine, Architecture arch, int batch, int height, int width, boolean training) {
        if (batch < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("batch and image size must be positive: " + batch + " x " + height + " x " + width);
        checkSize(arch, batch, height, width);
        this.arch = arch;
        this.engine = engine;
        this.batch = batch; this.height = height; this.width = width;
        int stages = arch.stages();
        int[] h = arch.levels(height), w = arch.levels(width);
        encoder = new Tensor[stages];
        pooled = new Tensor[stages];
        up = new Tensor[stages];
        decoder = new Tensor[stages];
        joined = new Tensor[stages];

        input = engine.zeros(batch, arch.channels(), height, width);
        for (int i = 0; i < stages; i++) {
            int c = arch.layer(i).outChannels();
            encoder[i] = engine.zeros(batch, c, h[i], w[i]);
            pooled[i] = engine.zeros(batch, c, h[i + 1], w[i + 1]);
        }
        for (int j = 0; j < stages; j++) {
            ConvLayer l = arch.layer(stages + j);
            int level = stages - 1 - j;
            if (!l.transposed()) up[j] = engine.zeros(batch, l.inChannels(), h[level], w[level]);
            decoder[j] = engine.zeros(batch, l.outChannels(), h[level], w[level]);
            if (arch.skips()) joined[j] = engine.zeros(decoder[j].shape());
        }
        logits = engine.zeros(batch, arch.channels(), height, width);

        if (training) {
            dEncoder = new Tensor[stages];
            dPooled = new Tensor[stages];
            dUp = new Tensor[stages];
            dDecoder = new Tensor[stages];
            dSkip = new Tensor[stages];
            for (int i = 0; i < stages; i++) {
                dEncoder[i] = engine.zeros(encoder[i].shape());
                dPooled[i] = engine.zeros(pooled[i].shape());
                if (up[i] != null) dUp[i] = engine.zeros(up[i].shape());
                dDecoder[i] = engine.zeros(decoder[i].shape());
                if (arch.skips()) dSkip[i] = engine.zeros(encoder[i].shape());
            }
            dLogits = engine.zeros(logits.shape());
        } else {
            dEncoder = dPooled = dUp = dDecoder = dSkip = new Tensor[stages];
            dLogits = null;
        }
        noiseTarget = arch.residual() ? engine.zeros(logits.shape()) : null;
    }

    /** The tensor the loss gradient goes into. */
    public Tensor logitsGradient() {
        if (dLogits == null) throw new IllegalStateException("inference-only activations have no gradients");
        return dLogits;
    }

    /** Up stage j's output as the next stage sees it: with skips, joined with the encoder's output of its size. */
    Tensor stageOutput(int j) { return arch.skips() ? joined[j] : decoder[j]; }

    /** Gives every tensor back to the engine (Engine.release); these activations must not be used afterwards. */
    public void release() {
        List<Tensor> all = new ArrayList<>(List.of(input, logits));
        for (Tensor[] tensors : new Tensor[][] {encoder, pooled, up, decoder, joined, dEncoder, dPooled, dUp, dDecoder, dSkip})
            for (Tensor t : tensors) if (t != null && !all.contains(t)) all.add(t);
        if (dLogits != null) all.add(dLogits);
        if (noiseTarget != null) all.add(noiseTarget);
        for (Tensor t : all) engine.release(t);
    }
}
