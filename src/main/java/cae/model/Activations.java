package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

/**
 * Every intermediate tensor of one forward (and, when training, backward) pass at a fixed batch size
 * and image size, allocated once and reused for every batch of that shape. Gradient tensors are
 * named after the activation they are the gradient of.
 */
public final class Activations {
    public final int batch, height, width;
    final int h1, w1, h2, w2, h3, w3;

    public final Tensor input;          // noisy images, N x 1 x H x W
    final Tensor conv1, pool1, conv2, pool2, conv3, code, up1, conv4, up2, conv5, up3, conv6;
    public final Tensor logits;

    // gradients (null for an inference-only set)
    final Tensor dLogits, dConv6, dUp3, dConv5, dUp2, dConv4, dUp1, dCode, dConv3, dPool2, dConv2, dPool1, dConv1;

    public Activations(Engine engine, int batch, int height, int width, boolean training) {
        if (batch < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("batch and image size must be positive: " + batch + " x " + height + " x " + width);
        this.batch = batch; this.height = height; this.width = width;
        h1 = Architecture.pooled(height); w1 = Architecture.pooled(width);
        h2 = Architecture.pooled(h1);     w2 = Architecture.pooled(w1);
        h3 = Architecture.pooled(h2);     w3 = Architecture.pooled(w2);

        input = engine.zeros(batch, 1, height, width);
        conv1 = engine.zeros(batch, 32, height, width);
        pool1 = engine.zeros(batch, 32, h1, w1);
        conv2 = engine.zeros(batch, 32, h1, w1);
        pool2 = engine.zeros(batch, 32, h2, w2);
        conv3 = engine.zeros(batch, 16, h2, w2);
        code = engine.zeros(batch, 16, h3, w3);
        up1 = engine.zeros(batch, 16, h2, w2);
        conv4 = engine.zeros(batch, 16, h2, w2);
        up2 = engine.zeros(batch, 16, h1, w1);
        conv5 = engine.zeros(batch, 32, h1, w1);
        up3 = engine.zeros(batch, 32, height, width);
        conv6 = engine.zeros(batch, 32, height, width);
        logits = engine.zeros(batch, 1, height, width);

        if (training) {
            dLogits = engine.zeros(logits.shape());
            dConv6 = engine.zeros(conv6.shape());
            dUp3 = engine.zeros(up3.shape());
            dConv5 = engine.zeros(conv5.shape());
            dUp2 = engine.zeros(up2.shape());
            dConv4 = engine.zeros(conv4.shape());
            dUp1 = engine.zeros(up1.shape());
            dCode = engine.zeros(code.shape());
            dConv3 = engine.zeros(conv3.shape());
            dPool2 = engine.zeros(pool2.shape());
            dConv2 = engine.zeros(conv2.shape());
            dPool1 = engine.zeros(pool1.shape());
            dConv1 = engine.zeros(conv1.shape());
        } else {
            dLogits = dConv6 = dUp3 = dConv5 = dUp2 = dConv4 = dUp1 = dCode = dConv3 = dPool2 = dConv2 = dPool1 = dConv1 = null;
        }
    }

    public boolean training() { return dLogits != null; }

    /** The tensor the loss gradient goes into. */
    public Tensor logitsGradient() {
        if (dLogits == null) throw new IllegalStateException("inference-only activations have no gradients");
        return dLogits;
    }
}
