package cae.train;

import cae.fuzz.Fuzz;
import cae.io.ModelFileException;
import cae.model.Architecture;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of damaged checkpoints (seeds fixed): metadata entries removed, set to edge values or
 * added; the header's JSON edited; bytes damaged. Each is read into a usable training state or refused
 * with one line naming the file.
 */
class CheckpointFuzzTest {
    private static final int CASES = 2_000;
    private static final String[] VALUES = {"", "-1", "0", "1", "1e12", "1000000000000", "9223372036854775807", "9223372036854775808",
            "2147483648", "NaN", "Infinity", "-Infinity", "1e-45", "abc", "10 ", " 10", "0x10", "unpool", "transposed", "pixelshuffle",
            "cae", "cae-checkpoint", "cae-mnist", "other", "1:0.5", "1:NaN,2:0.1", "x:y", ":", ",", "1,2,3", "\u00e9\u00e8", "null", "a\nb", "x".repeat(5000)};

    @Test
    void damagedCheckpointsAreReadOrRefusedInOneLine(@TempDir Path dir) throws Exception {
        TrainingConfig config = new TrainingConfig(3, 10, 1e-3f, 0.5f, 5, 0);
        TrainingState fresh = TrainingState.fresh(config);
        Path seedFile = dir.resolve("seed.safetensors");
        TrainingState state = new TrainingState(config, 7, fresh.params, fresh.adamM, fresh.adamV);
        state.history.validation.add(new cae.io.LossPlot.Point(5, 0.25));
        state.history.epochSeconds.add(1.5);
        Checkpoint.write(seedFile, state, 5, "ab".repeat(32));
        byte[] seed = Files.readAllBytes(seedFile);
        int headerLength = (int) ByteBuffer.wrap(seed, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(seed, 8, headerLength, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(seed, 8 + headerLength, seed.length);

        Fuzz.Source source = (r, i) -> {
            int kind = r.nextInt(4);
            if (kind == 0) return Fuzz.mutate(seed, r, 8 + headerLength);
            String text = header;
            if (kind == 1) {
                for (int m = 1 + r.nextInt(2); m > 0; m--) text = Fuzz.mutateText(text, r);
            } else {
                JsonObject root = JsonParser.parseString(header).getAsJsonObject();
                JsonObject meta = root.getAsJsonObject("__metadata__");
                List<String> keys = new ArrayList<>(meta.keySet());
                for (int m = 1 + r.nextInt(3); m > 0; m--) {
                    String key = keys.get(r.nextInt(keys.size()));
                    switch (r.nextInt(4)) {
                        case 0 -> meta.remove(key);
                        case 1 -> meta.addProperty("extra." + r.nextInt(100), VALUES[r.nextInt(VALUES.length)]);
                        default -> meta.addProperty(key, VALUES[r.nextInt(VALUES.length)]);
                    }
                }
                text = root.toString();
            }
            byte[] json = text.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json)
                    .put(data).array();
        };
        Fuzz.Parser parser = file -> {
            Checkpoint.Loaded loaded = Checkpoint.read(file);
            TrainingState s = loaded.state();
            assertEquals(Architecture.of(s.config.decoder()).parameterCount(), s.params.length);
            for (float[] values : new float[][] {s.params, s.adamM, s.adamV})
                for (float v : values) assertTrue(Float.isFinite(v), "finite values");
            assertTrue(s.step >= 0, "a step of 0 or more");
        };
        Fuzz.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> Fuzz.run("checkpoint", dir, "checkpoint.safetensors",
                18, CASES, source, parser, length -> (8L << 20) + 16L * length, ModelFileException.class));
        Fuzz.assertClean(report);
    }
}
