package cae.onnx;

import cae.engine.Tensor;
import cae.io.AtomicFiles;
import cae.model.Activations;
import cae.model.Architecture;
import cae.model.Autoencoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model as an ONNX file (operator set {@value #OPSET}): its own inference pass
 * ({@link Autoencoder#reconstruct}) traced op by op into standard ONNX operators (Conv, Relu,
 * MaxPool, Resize, ConvTranspose, MaxUnpool, Add for the skip connections, and the output's Sigmoid,
 * Sub for the residual output or Identity for a linear one), the weights as constants.
 *
 * <p>The graph takes one image size, the one given here, and any batch: input {@value #INPUT}, N x C
 * x H x W pixels in [0, 1] (C the model's channels, 1 grey or 3 RGB, planar); output {@value #OUTPUT},
 * the same shape, the denoised images. The size is fixed because the TensorFlow SAME pooling pads,
 * the resize sizes and the transposed convolutions' output padding are numbers that depend on it,
 * written into the graph as such. (A graph could work them out from the input's shape at run time,
 * with Shape, arithmetic and Pad nodes; fixed numbers keep it the plain graph other tools expect.
 * Export once per image size.)
 */
public final class OnnxExport {
    public static final int OPSET = 13;
    public static final String INPUT = "input", OUTPUT = "output";

    private OnnxExport() {}

    /**
     * The ModelProto bytes of {@code arch} with {@code params} (the flat parameter buffer, as
     * model.safetensors holds it) for images of height x width. {@code metadata} goes into the
     * file's metadata_props, with the architecture and the input size.
     */
    public static byte[] toBytes(Architecture arch, float[] params, int height, int width, Map<String, String> metadata) {
        if (params.length != arch.parameterCount())
            throw new IllegalArgumentException(params.length + " parameters, expected " + arch.parameterCount());
        GraphTracer tracer = new GraphTracer();
        Autoencoder net = new Autoencoder(tracer, arch);
        net.setWeights(params);
        tracer.nameParameters(net.params.flat, parameterNames(arch));
        Activations a = net.activations(1, height, width, false);
        Tensor output = tracer.zeros(a.logits.shape());
        tracer.input(a.input, INPUT);
        tracer.output(output, OUTPUT);
        net.reconstruct(a, output);

        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("architecture", Architecture.NAME);
        meta.put("decoder", arch.decoder().id());
        meta.put("input_channels", Integer.toString(arch.channels()));
        meta.put("input_height", Integer.toString(height));
        meta.put("input_width", Integer.toString(width));
        String doc = arch + ": input N x " + arch.channels() + " x " + height + " x " + width + " " + (arch.channels() == 1 ? "grey" : "RGB")
                + " pixels in [0, 1]; output the denoised images, the same shape (" + (arch.sigmoidOutput() ? "the sigmoid of the logits"
                : arch.residual() ? "the input minus the predicted noise, not clipped" : "the logits, not clipped") + ")";
        return tracer.graph().model(Architecture.NAME, doc, OPSET, "cae", meta);
    }

    /** Writes {@link #toBytes} to {@code file} atomically (a reader sees the old file or the whole new one). */
    public static void write(Path file, Architecture arch, float[] params, int height, int width, Map<String, String> metadata)
            throws IOException {
        byte[] bytes = toBytes(arch, params, height, width, metadata);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Each tensor of model.safetensors by its offset in the parameter buffer (they are stored in buffer order). */
    private static Map<Integer, String> parameterNames(Architecture arch) {
        Map<Integer, String> names = new HashMap<>();
        int offset = 0;
        for (Map.Entry<String, int[]> e : arch.tensorShapes().entrySet()) {
            names.put(offset, e.getKey());
            int size = 1;
            for (int d : e.getValue()) size *= d;
            offset += size;
        }
        return names;
    }
}
