package cae.train;

import cae.io.ModelFileException;
import cae.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A checkpoint's metadata: a missing or unreadable setting is named, and a step that contradicts the checkpoint is damage. */
class CheckpointTest {
    @TempDir Path dir;

    /** A checkpoint at step 7 of 5-step epochs, with one metadata entry set (null: removed). */
    private Path checkpoint(String key, String value) throws Exception {
        TrainingConfig config = new TrainingConfig(3, 10, 1e-3f, 0.5f, 5, 0);
        TrainingState fresh = TrainingState.fresh(config);
        Path file = dir.resolve("checkpoint.safetensors");
        Checkpoint.write(file, new TrainingState(config, 7, fresh.params, fresh.adamM, fresh.adamV), 5, "ab".repeat(32));
        SafeTensors st = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(st.metadata());
        if (value == null) meta.remove(key);
        else meta.put(key, value);
        SafeTensors.write(file, meta, st.tensors());
        return file;
    }

    private String refused(Path file) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> Checkpoint.read(file));
        return e.getMessage();
    }

    @Test
    void aMissingOrUnreadableSettingIsNamed() throws Exception {
        for (String key : new String[] {"epochs", "batch", "learning_rate", "noise", "seed", "limit", "step"}) {
            Path file = checkpoint(key, null);
            assertEquals(file + ": checkpoint metadata has no '" + key + "'", refused(file));
        }
        Path file = checkpoint("batch", "ten");
        assertEquals(file + ": checkpoint metadata 'batch' is 'ten', not a whole number up to 2147483647", refused(file));
        file = checkpoint("step", "1e12");
        assertEquals(file + ": checkpoint metadata 'step' is '1e12', not a whole number", refused(file));
        file = checkpoint("noise", "loud\nand clear");
        assertEquals(file + ": checkpoint metadata 'noise' is 'loud\\u000aand clear', not a number", refused(file));
        file = checkpoint("epochs", "0");
        assertEquals(file + ": checkpoint metadata is invalid (epochs must be at least 1, got 0)", refused(file));
    }

    @Test
    void theStepMustAgreeWithTheEpochItSaysItIsIn() throws Exception {
        Checkpoint.Loaded fine = Checkpoint.read(checkpoint("format", "cae-checkpoint"));
        assertDoesNotThrow(() -> fine.checkStep(5));
        ModelFileException other = assertThrows(ModelFileException.class, () -> fine.checkStep(4));
        assertTrue(other.getMessage().endsWith(": the checkpoint's step 7 does not agree with its epochs_done 1 and steps_into_epoch 2 "
                + "at 4 steps per epoch: the file is damaged"), other.getMessage());

        Checkpoint.Loaded edited = Checkpoint.read(checkpoint("step", "1000000000000"));
        assertThrows(ModelFileException.class, () -> edited.checkStep(5));
    }
}
