package cae.train;

import cae.io.ModelFileException;
import cae.io.SafeTensors;
import cae.model.Architecture;
import cae.engine.Noise;
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
        write(file, state, stepsPerEpoch, dataSha256, Map.of());
    }

    /** With the run's {@link Provenance#metadata()}, which reading ignores: a checkpoint without it resumes alike. */
    public static void write(Path file, TrainingState state, long stepsPerEpoch, String dataSha256, Map<String, String> provenance)
            throws IOException {
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
        meta.putAll(provenance);
        Map<String, SafeTensors.TensorData> tensors = new LinkedHashMap<>();
        int n = state.params.length;
        tensors.put("params", new SafeTensors.TensorData(new int[] {n}, state.params));
        tensors.put("adam.m", new SafeTensors.TensorData(new int[] {n}, state.adamM));
        tensors.put("adam.v", new SafeTensors.TensorData(new int[] {n}, state.adamV));
        SafeTensors.write(file, meta, tensors);
    }

    /**
     * A checkpoint as read: its state, the SHA-256 of the data it was trained on ("" when it does not
     * say), and where its epoch began by its own account (-1 where it does not say).
     */
    public record Loaded(Path file, TrainingState state, String dataSha256, long epochsDone, long stepsIntoEpoch) {
        /**
         * Checks the step against the steps per epoch of the data the run goes on with: a checkpoint whose
         * step disagrees with the epoch it says it is in, or that no --epochs could reach, is damaged.
         */
        public void checkStep(long stepsPerEpoch) {
            long step = state.step;
            if (epochsDone >= 0 && stepsIntoEpoch >= 0 && !dataSha256.isEmpty()
                    && (step / stepsPerEpoch != epochsDone || step % stepsPerEpoch != stepsIntoEpoch))
                throw new ModelFileException(file + ": the checkpoint's step " + step + " does not agree with its epochs_done "
                        + epochsDone + " and steps_into_epoch " + stepsIntoEpoch + " at " + stepsPerEpoch
                        + " steps per epoch: the file is damaged");
            if (step / stepsPerEpoch + (step % stepsPerEpoch == 0 ? 0 : 1) > Integer.MAX_VALUE)  // the epochs it needs
                throw new ModelFileException(file + ": the checkpoint's step " + step + " lies beyond any number of epochs of "
                        + stepsPerEpoch + " steps: the file is damaged");
        }
    }

    /** Reads a checkpoint; a directory means its checkpoint.safetensors. */
    public static Loaded read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(NAME) : path;
        if (!Files.exists(file)) throw new ModelFileException(file + ": no checkpoint to resume from");
        SafeTensors st = SafeTensors.read(file);
        Map<String, String> m = st.metadata();
        if (!"cae-checkpoint".equals(m.get("format")))
            throw new ModelFileException(file + ": not a cae checkpoint (its metadata has no format 'cae-checkpoint')");
        Architecture model;
        try {
            model = Architecture.fromMetadata(m);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file + ": " + SafeTensors.line(e.getMessage()));
        }
        int n = model.parameterCount();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("params", new int[] {n});
        shapes.put("adam.m", new int[] {n});
        shapes.put("adam.v", new int[] {n});
        st.requireTensors(shapes);
        Metadata meta = new Metadata(file, m);
        TrainingState state;
        try {
            TrainingConfig config = new TrainingConfig(meta.integer("epochs"), meta.integer("batch"), meta.decimal("learning_rate"),
                    meta.noise("noise"), meta.whole("seed"), meta.integer("limit"), model,
                    m.containsKey("patch") ? meta.integer("patch") : 0, m.containsKey("crops") ? meta.integer("crops") : 1);
            state = new TrainingState(config, meta.whole("step"), st.tensor("params").values(), st.tensor("adam.m").values(),
                    st.tensor("adam.v").values(), RunHistory.parse(m, file));
        } catch (IllegalArgumentException e) {  // the settings' own checks: an epochs of 0, a negative step
            throw new ModelFileException(file + ": checkpoint metadata is invalid (" + SafeTensors.line(e.getMessage()) + ")");
        }
        for (float[] values : new float[][] {state.params, state.adamM, state.adamV}) ModelFile.requireFinite(file, values);
        long epochsDone = m.containsKey("epochs_done") ? meta.whole("epochs_done") : -1;
        long stepsIntoEpoch = m.containsKey("steps_into_epoch") ? meta.whole("steps_into_epoch") : -1;
        return new Loaded(file, state, m.getOrDefault("data_sha256", ""), epochsDone, stepsIntoEpoch);
    }

    /** The checkpoint's metadata values, each named in the error when it is missing or not a number. */
    private record Metadata(Path file, Map<String, String> values) {
        private String text(String key) {
            String value = values.get(key);
            if (value == null) throw new ModelFileException(file + ": checkpoint metadata has no '" + key + "'");
            return value;
        }

        private ModelFileException notA(String key, String what) {
            return new ModelFileException(file + ": checkpoint metadata '" + key + "' is " + SafeTensors.quoted(values.get(key))
                    + ", not " + what);
        }

        int integer(String key) {
            try {
                return Integer.parseInt(text(key));
            } catch (NumberFormatException e) {
                throw notA(key, "a whole number up to " + Integer.MAX_VALUE);
            }
        }

        long whole(String key) {
            try {
                return Long.parseLong(text(key));
            } catch (NumberFormatException e) {
                throw notA(key, "a whole number");
            }
        }

        float decimal(String key) {
            try {
                return Float.parseFloat(text(key));
            } catch (NumberFormatException e) {
                throw notA(key, "a number");
            }
        }

        /** A Gaussian sigma as a bare number (every checkpoint before the other noise models), or a model's text. */
        Noise noise(String key) {
            String value = text(key);
            if (!value.contains(":") && !value.equals("none")) return Noise.gaussian(decimal(key));
            try {
                return Noise.parse(value);
            } catch (IllegalArgumentException e) {
                throw notA(key, "a noise model (gaussian:SIGMA, salt-pepper:P, mask:P or none)");
            }
        }
    }
}
