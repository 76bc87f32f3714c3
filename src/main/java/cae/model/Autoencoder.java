package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

/**
 * The forward and backward passes of the reference model on any engine. The decoder resizes to the
 * encoder's recorded sizes, so any H x W goes in and the same H x W comes out.
 */
public final class Autoencoder {
    private final Engine engine;
    public final Parameters params;
    public final Parameters grads;

    public Autoencoder(Engine engine) {
        this.engine = engine;
        this.params = new Parameters(engine);
        this.grads = new Parameters(engine);
    }

    public Engine engine() { return engine; }

    public void setWeights(float[] values) { engine.write(params.flat, values); }

    public float[] weights() {
        float[] values = new float[params.flat.size()];
        engine.read(params.flat, values);
        return values;
    }

    private void conv(int layer, Tensor x, Tensor y) {
        engine.conv3x3(x, params.weight(layer), params.bias(layer), y, Architecture.LAYERS.get(layer).relu());
    }

    /** a.input -> a.logits. */
    public void forward(Activations a) {
        conv(0, a.input, a.conv1);
        engine.maxPool(a.conv1, a.pool1);
        conv(1, a.pool1, a.conv2);
        engine.maxPool(a.conv2, a.pool2);
        conv(2, a.pool2, a.conv3);
        engine.maxPool(a.conv3, a.code);
        engine.resize(a.code, a.up1);
        conv(3, a.up1, a.conv4);
        engine.resize(a.conv4, a.up2);
        conv(4, a.up2, a.conv5);
        engine.resize(a.conv5, a.up3);
        conv(5, a.up3, a.conv6);
        conv(6, a.conv6, a.logits);
    }

    private void convBackward(int layer, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        engine.conv3x3Backward(x, params.weight(layer), y, dy, Architecture.LAYERS.get(layer).relu(),
                dx, grads.weight(layer), grads.bias(layer));
    }

    /** From the loss gradient in a.logitsGradient() to every parameter gradient in {@link #grads}. */
    public void backward(Activations a) {
        convBackward(6, a.conv6, a.logits, a.dLogits, a.dConv6);
        convBackward(5, a.up3, a.conv6, a.dConv6, a.dUp3);
        engine.resizeBackward(a.dUp3, a.dConv5);
        convBackward(4, a.up2, a.conv5, a.dConv5, a.dUp2);
        engine.resizeBackward(a.dUp2, a.dConv4);
        convBackward(3, a.up1, a.conv4, a.dConv4, a.dUp1);
        engine.resizeBackward(a.dUp1, a.dCode);
        engine.maxPoolBackward(a.conv3, a.code, a.dCode, a.dConv3);
        convBackward(2, a.pool2, a.conv3, a.dConv3, a.dPool2);
        engine.maxPoolBackward(a.conv2, a.pool2, a.dPool2, a.dConv2);
        convBackward(1, a.pool1, a.conv2, a.dConv2, a.dPool1);
        engine.maxPoolBackward(a.conv1, a.pool1, a.dPool1, a.dConv1);
        convBackward(0, a.input, a.conv1, a.dConv1, null);
    }
}
