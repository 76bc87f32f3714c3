package cae.model;

import cae.io.ModelFileException;
import cae.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * model.safetensors: one tensor per layer weight and bias (OIHW, as PyTorch and cuDNN store them),
 * with the architecture and the training settings in the header's metadata.
 */
public final class ModelFile {
    public static final String NAME = "model.safetensors";

    private ModelFile() {}

    public static void write(Path file, float[] params, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "cae");
        meta.put("architecture", Architecture.NAME);
        meta.put("decoder", "nearest");
        meta.put("parameters", Integer.toString(Architecture.parameterCount()));
        meta.putAll(metadata);
        SafeTensors.write(file, meta, split(params));
    }

    /** Loads and checks a model file; a directory means its model.safetensors. */
    public static Loaded read(Path path) throws IOException {
        Path file = path.toFile().isDirectory() ? path.resolve(NAME) : path;
        if (!file.toFile().exists()) throw new ModelFileException(file + ": no such model file");
        SafeTensors st = SafeTensors.read(file);
        String arch = st.metadata().getOrDefault("architecture", Architecture.NAME);
        if (!arch.equals(Architecture.NAME))
            throw new ModelFileException(file + ": architecture '" + arch + "' is not supported (expected " + Architecture.NAME + ")");
        st.requireTensors(Architecture.tensorShapes());
        return new Loaded(file, join(st), st.metadata());
    }

    public record Loaded(Path file, float[] params, Map<String, String> metadata) {}

    /** The flat parameter buffer as named tensors, in buffer order. */
    public static Map<String, SafeTensors.TensorData> split(float[] params) {
        if (params.length != Architecture.parameterCount())
            throw new IllegalArgumentException(params.length + " parameters, expected " + Architecture.parameterCount());
        Map<String, SafeTensors.TensorData> tensors = new LinkedHashMap<>();
        int offset = 0;
        for (Map.Entry<String, int[]> e : Architecture.tensorShapes().entrySet()) {
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
    static float[] join(SafeTensors st) {
        float[] params = new float[Architecture.parameterCount()];
        int offset = 0;
        for (String name : Architecture.tensorShapes().keySet()) {
            float[] values = st.tensor(name).values();
            System.arraycopy(values, 0, params, offset, values.length);
            offset += values.length;
        }
        return params;
    }
}
