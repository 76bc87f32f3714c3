package cae.model;

import cae.io.ModelFileException;
import cae.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * model.safetensors: one tensor per layer weight and bias (OIHW, as PyTorch and cuDNN store them;
 * transposed convolutions in PyTorch's ConvTranspose2d layout), with the architecture, the decoder
 * and the training settings in the header's metadata.
 */
public final class ModelFile {
    public static final String NAME = "model.safetensors";
    /** Metadata: the height and width of the images the model was trained on (the size `export` writes by default). */
    public static final String IMAGE_HEIGHT = "image_height", IMAGE_WIDTH = "image_width";

    private ModelFile() {}

    public static void write(Path file, Architecture arch, float[] params, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "cae");
        meta.put("architecture", Architecture.NAME);
        meta.putAll(arch.metadata());
        meta.put("parameters", Integer.toString(arch.parameterCount()));
        meta.putAll(metadata);
        SafeTensors.write(file, meta, split(arch, params));
    }

    public record Loaded(Path file, Architecture arch, float[] params, Map<String, String> metadata) {
        /**
         * What the file says the model learned from, for a user who wonders what it suits: "mnist (grey,
         * 28 x 28 images, noise 0.5)", "photos (rgb, 64 x 64 crops, noise gaussian:0.1)". The size is left
         * out where the file does not record it, and a file without a noise setting has the recipe's 0.5.
         */
        public String trainedOn() {
            String size = metadata.containsKey(IMAGE_HEIGHT) && metadata.containsKey(IMAGE_WIDTH)
                    ? ", " + metadata.get(IMAGE_WIDTH) + " x " + metadata.get(IMAGE_HEIGHT)
                            + (metadata.getOrDefault("patch", "0").equals("0") ? " images" : " crops")
                    : "";
            return metadata.getOrDefault("dataset", "data it does not name") + " (" + (arch.channels() == 1 ? "grey" : "rgb") + size
                    + ", noise " + noise() + ")";
        }

        private String noise() {
            String text = metadata.getOrDefault("noise", "0.5");
            try {
                return cae.engine.Noise.parse(text).toString();
            } catch (IllegalArgumentException e) {
                return text;  // a setting this program does not know is still worth showing as it is
            }
        }
    }

    /** Loads and checks a model file; a directory means its model.safetensors. */
    public static Loaded read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(NAME) : path;
        if (!Files.exists(file)) throw new ModelFileException(file + ": no such model file");
        SafeTensors st = SafeTensors.read(file);
        String name = st.metadata().getOrDefault("architecture", Architecture.NAME);
        if (!name.equals(Architecture.NAME))
            throw new ModelFileException(file + ": architecture " + SafeTensors.quoted(name) + " is not supported (expected " + Architecture.NAME + ")");
        Architecture arch;
        try {
            arch = Architecture.fromMetadata(st.metadata());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file + ": " + SafeTensors.line(e.getMessage()));
        }
        if ("cae-checkpoint".equals(st.metadata().get("format")))
            throw new ModelFileException(file + " is a training checkpoint, not a model: give the run folder or its " + NAME);
        st.requireTensors(arch.tensorShapes());
        float[] params = join(arch, st);
        requireFinite(file, params);
        requireInRange(file, arch, params);
        return new Loaded(file, arch, params, st.metadata());
    }

    /** The largest activation a model may reach on inputs in [0, 1]: far below float32's 3.4e38, so that sums over a batch stay finite. */
    static final double MAX_ACTIVATION = 1e30;

    /**
     * Weights so large that some input in [0, 1] could drive an activation past {@link #MAX_ACTIVATION}
     * cannot come from training (the loss would be infinite or NaN, the output white or black): the file
     * is refused. The bound is safe for every decoder: a layer's output is its bias plus at most
     * 9 x C_in weighted inputs, and ReLU, pooling, resizing and unpooling never make a value larger.
     */
    static void requireInRange(Path file, Architecture arch, float[] params) {
        double bound = 1;  // the input pixels
        int offset = 0;
        for (ConvLayer layer : arch.layers()) {
            double weights = maxAbs(params, offset, layer.weightCount());
            offset += layer.weightCount();
            double biases = maxAbs(params, offset, layer.outChannels());
            offset += layer.outChannels();
            bound = 9.0 * layer.inChannels() * weights * bound + biases;
            if (!(bound <= MAX_ACTIVATION))
                throw new ModelFileException(file + " holds weights too large to compute with (up to " + (float) Math.max(weights, biases)
                        + " in " + layer.name() + ", where activations could exceed " + MAX_ACTIVATION
                        + "): the file is damaged or comes from a diverged run");
        }
    }

    private static double maxAbs(float[] values, int from, int count) {
        double max = 0;
        for (int i = from; i < from + count; i++) max = Math.max(max, Math.abs(values[i]));
        return max;
    }

    /** Weights that are NaN or infinite cannot come from a finished run: the file is damaged. */
    public static void requireFinite(Path file, float[] values) {
        for (int i = 0; i < values.length; i++)
            if (!Float.isFinite(values[i]))
                throw new ModelFileException(file + " holds a non-finite value (" + values[i] + " at parameter " + i
                        + "): the file is damaged or comes from a diverged run");
    }

    /** The flat parameter buffer as named tensors, in buffer order. */
    public static Map<String, SafeTensors.TensorData> split(Architecture arch, float[] params) {
        if (params.length != arch.parameterCount())
            throw new IllegalArgumentException(params.length + " parameters, expected " + arch.parameterCount());
        Map<String, SafeTensors.TensorData> tensors = new LinkedHashMap<>();
        int offset = 0;
        for (Map.Entry<String, int[]> e : arch.tensorShapes().entrySet()) {
            int size = 1;
            for (int d : e.getValue()) size *= d;
            float[] values = new float[size];
            System.arraycopy(params, offset, values, 0, size);
            tensors.put(e.getKey(), new SafeTensors.TensorData(e.getValue(), values));
            offset += size;
        }
        return tensors;
    }

    /** Named tensors (already checked against the architecture) back into one flat buffer. */
    static float[] join(Architecture arch, SafeTensors st) {
        float[] params = new float[arch.parameterCount()];
        int offset = 0;
        for (String name : arch.tensorShapes().keySet()) {
            float[] values = st.tensor(name).values();
            System.arraycopy(values, 0, params, offset, values.length);
            offset += values.length;
        }
        return params;
    }
}
