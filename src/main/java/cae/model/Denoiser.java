package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A model applied to images of one size, a batch at a time: the tensors are made once, and each batch
 * is one engine step with the same body, which the CUDA engine records once and replays. A last,
 * partial batch is padded with blank images, so every batch has the same shape. Closing it gives the
 * tensors back, so that many image sizes one after another do not pile up in GPU memory.
 */
public final class Denoiser implements AutoCloseable {
    private final Engine engine;
    private final Autoencoder net;
    private final int batch, pixelsPerImage;
    private final Activations activations;
    private final Tensor output;
    private final float[] input, result;
    /** The same object every batch, so the engine can replay it. */
    private final Runnable step = this::forward;

    public Denoiser(Autoencoder net, int batch, int height, int width) {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        this.engine = net.engine();
        this.net = net;
        this.batch = batch;
        this.pixelsPerImage = height * width;
        this.activations = net.activations(batch, height, width, false);
        this.output = engine.zeros(batch, 1, height, width);
        this.input = new float[batch * pixelsPerImage];
        this.result = new float[batch * pixelsPerImage];
    }

    public int batch() { return batch; }

    /** The reconstructions (sigmoid of the logits) of up to {@link #batch} images of height x width pixels in [0, 1]. */
    public float[][] denoise(List<float[]> images) {
        if (images.isEmpty() || images.size() > batch)
            throw new IllegalArgumentException("between 1 and " + batch + " images per call, got " + images.size());
        Arrays.fill(input, 0f);
        for (int i = 0; i < images.size(); i++) {
            float[] image = images.get(i);
            if (image.length != pixelsPerImage)
                throw new IllegalArgumentException("image " + i + " has " + image.length + " pixels, expected " + pixelsPerImage);
            System.arraycopy(image, 0, input, i * pixelsPerImage, pixelsPerImage);
        }
        engine.write(activations.input, input);
        engine.step(step);
        engine.read(output, result);
        float[][] denoised = new float[images.size()][];
        for (int i = 0; i < denoised.length; i++)
            denoised[i] = Arrays.copyOfRange(result, i * pixelsPerImage, (i + 1) * pixelsPerImage);
        return denoised;
    }

    /** Gives the tensors back to the engine (the GPU's memory for this image size). */
    @Override public void close() {
        activations.release();
        engine.release(output);
    }

    private void forward() {
        net.reconstruct(activations, output);
    }
}
