package cae.train;

import cae.io.ModelFileException;
import cae.io.SafeTensors;
import cae.model.Architecture;
import cae.model.Decoder;
import cae.model.ModelFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * checkpoint.safetensors (docs/SPEC.md §5.2): the whole {@link TrainingState} (weights, Adam moments, step and settings),
 * written atomically so a crash never leaves a half-written file. The random state is the seed and the
 * step: noise and shuffles are counter-based functions of them; the epoch is written for people (it is
 * the step over the steps per epoch).
 */
public final class Checkpoint {
    public static final String NAME = "checkpoint.safetensors";

    private Checkpoint() {}

    /** Random state, as the metadata names it. */
    static final String RANDOM_STATE = "counter-based: noise from (seed, step), shuffles from (seed, epoch)";

    public static void write(Path file, TrainingState state, long stepsPerEpoch, String dataSha256) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "cae-checkpoint");
        meta.put("architecture", Architecture.NAME);
        meta.put("step", Long.toString(state.step));
        meta.put("epochs_done", Long.toString(state.step / stepsPerEpoch));
        meta.put("steps_into_epoch", Long.toString(state.step % stepsPerEpoch));
        meta.put("random_state", RANDOM_STATE);
        meta.putAll(state.config.metadata());
        meta.put("data_sha256", dataSha256);
        meta.putAll(state.history.metadata());
        Map<String, SafeTensors.TensorData> tensors = new LinkedHashMap<>();
        int n = state.params.length;
        tensors.put("params", new SafeTensors.TensorData(new int[] {n}, state.params));
        tensors.put("adam.m", new SafeTensors.TensorData(new int[] {n}, state.adamM));
        tensors.put("adam.v", new SafeTensors.TensorData(new int[] {n}, state.adamV));
        SafeTensors.write(file, meta, tensors);
    }

    public record Loaded(TrainingState state, String dataSha256) {}

    /** Reads a checkpoint; a directory means its checkpoint.safetensors. */
    public static Loaded read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(NAME) : path;
        if (!Files.exists(file)) throw new ModelFileException(file + ": no checkpoint to resume from");
        SafeTensors st = SafeTensors.read(file);
        Map<String, String> m = st.metadata();
        if (!"cae-checkpoint".equals(m.get("format")))
            throw new ModelFileException(file + ": not a cae checkpoint (its metadata has no format 'cae-checkpoint')");
        Decoder decoder;
        try {
            decoder = Decoder.parse(m.getOrDefault("decoder", "nearest"));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file + ": " + e.getMessage());
        }
        int n = Architecture.of(decoder).parameterCount();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("params", new int[] {n});
        shapes.put("adam.m", new int[] {n});
        shapes.put("adam.v", new int[] {n});
        st.requireTensors(shapes);
        try {
            TrainingConfig config = new TrainingConfig(Integer.parseInt(m.get("epochs")), Integer.parseInt(m.get("batch")),
                    Float.parseFloat(m.get("learning_rate")), Float.parseFloat(m.get("noise")),
                    Long.parseLong(m.get("seed")), Integer.parseInt(m.get("limit")), decoder);
            TrainingState state = new TrainingState(config, Long.parseLong(m.get("step")),
                    st.tensor("params").values(), st.tensor("adam.m").values(), st.tensor("adam.v").values(), RunHistory.parse(m, file));
            for (float[] values : new float[][] {state.params, state.adamM, state.adamV}) ModelFile.requireFinite(file, values);
            return new Loaded(state, m.getOrDefault("data_sha256", ""));
        } catch (NullPointerException | IllegalArgumentException e) {
            throw new ModelFileException(file + ": checkpoint metadata is incomplete or invalid (" + e.getMessage() + ")");
        }
    }
}
