package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Every intermediate tensor of one forward (and, when training, backward) pass at a fixed batch size
 * and image size, allocated once and reused for every batch of that shape. Stage i of the encoder is
 * conv i -> pool i; up stage j goes to the encoder's recorded size of level 2 - j. A gradient tensor
 * is named after the activation it is the gradient of.
 */
public final class Activations {
    public final Architecture arch;
    public final int batch, height, width;
    private final Engine engine;

    public final Tensor input;           // the (noisy) images, N x 1 x H x W
    final Tensor[] encoder = new Tensor[3], pooled = new Tensor[3];
    final Tensor[] up = new Tensor[3];   // the resized or unpooled input of each up stage's conv (none for transposed)
    final Tensor[] decoder = new Tensor[3];
    public final Tensor logits;

    final Tensor[] dEncoder = new Tensor[3], dPooled = new Tensor[3], dUp = new Tensor[3], dDecoder = new Tensor[3];
    final Tensor dLogits;

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
        int[] h = Architecture.levels(height), w = Architecture.levels(width);

        input = engine.zeros(batch, 1, height, width);
        for (int i = 0; i < 3; i++) {
            int c = arch.layer(i).outChannels();
            encoder[i] = engine.zeros(batch, c, h[i], w[i]);
            pooled[i] = engine.zeros(batch, c, h[i + 1], w[i + 1]);
        }
        for (int j = 0; j < Architecture.UP_STAGES; j++) {
            ConvLayer l = arch.layer(3 + j);
            int level = 2 - j;
            if (!l.transposed()) up[j] = engine.zeros(batch, l.inChannels(), h[level], w[level]);
            decoder[j] = engine.zeros(batch, l.outChannels(), h[level], w[level]);
        }
        logits = engine.zeros(batch, 1, height, width);

        if (training) {
            for (int i = 0; i < 3; i++) {
                dEncoder[i] = engine.zeros(encoder[i].shape());
                dPooled[i] = engine.zeros(pooled[i].shape());
                if (up[i] != null) dUp[i] = engine.zeros(up[i].shape());
                dDecoder[i] = engine.zeros(decoder[i].shape());
            }
            dLogits = engine.zeros(logits.shape());
        } else {
            dLogits = null;
        }
    }

    /** The tensor the loss gradient goes into. */
    public Tensor logitsGradient() {
        if (dLogits == null) throw new IllegalStateException("inference-only activations have no gradients");
        return dLogits;
    }

    /** Gives every tensor back to the engine (Engine.release); these activations must not be used afterwards. */
    public void release() {
        List<Tensor> all = new ArrayList<>(List.of(input, logits));
        for (Tensor[] tensors : new Tensor[][] {encoder, pooled, up, decoder, dEncoder, dPooled, dUp, dDecoder})
            for (Tensor t : tensors) if (t != null) all.add(t);
        if (dLogits != null) all.add(dLogits);
        for (Tensor t : all) engine.release(t);
    }
}
