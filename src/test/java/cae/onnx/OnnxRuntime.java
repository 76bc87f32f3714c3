package cae.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import cae.model.Activations;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Denoiser;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs ONNX files in ONNX Runtime (its Java API), one thread, as a user's program would; and the CPU
 * engine on the same images, the reference the runtime's output is held to.
 */
public final class OnnxRuntime implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    public final OrtSession session;

    public OnnxRuntime(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(model, options);
        }
    }

    /** The model's only output for {@code input} of this shape, as a flat array; its shape must be {@code expectedShape}. */
    public float[] run(float[] input, long[] shape, long... expectedShape) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, in))) {
            OnnxTensor out = (OnnxTensor) result.get(OnnxExport.OUTPUT).orElseThrow();
            long[] actual = out.getInfo().getShape();
            if (!Arrays.equals(actual, expectedShape))
                throw new AssertionError("output shape " + Arrays.toString(actual) + ", expected " + Arrays.toString(expectedShape));
            FloatBuffer values = out.getFloatBuffer();
            float[] flat = new float[values.remaining()];
            values.get(flat);
            return flat;
        }
    }

    @Override public void close() throws OrtException { session.close(); }

    /**
     * The CPU engine's reconstructions of the images, one after another in one array: grey ones as
     * `denoise` computes them (Denoiser), colour ones by the pass it runs and the export traces
     * (Autoencoder.reconstruct), the Denoiser taking grey images only.
     */
    public static float[] cpu(Architecture arch, float[] params, List<float[]> images, int height, int width) {
        try (CpuEngine engine = new CpuEngine(1)) {
            Autoencoder net = new Autoencoder(engine, arch);
            net.setWeights(params);
            if (arch.channels() == 1) {
                try (Denoiser denoiser = new Denoiser(net, images.size(), height, width)) {
                    return concat(denoiser.denoise(images));
                }
            }
            Activations a = net.activations(images.size(), height, width, false);
            Tensor output = engine.zeros(a.logits.shape());
            engine.write(a.input, concat(images.toArray(new float[0][])));
            net.reconstruct(a, output);
            float[] result = new float[output.size()];
            engine.read(output, result);
            return result;
        }
    }

    public static float[] concat(float[][] images) {
        int pixels = images[0].length;
        float[] flat = new float[images.length * pixels];
        for (int i = 0; i < images.length; i++) System.arraycopy(images[i], 0, flat, i * pixels, pixels);
        return flat;
    }

    /** ||a - b|| / ||b||, docs/SPEC.md §6's measure. */
    public static double relativeError(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError(a.length + " values, expected " + b.length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            norm += (double) b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }
}
