package cae.cli;

import cae.io.SafeTensors;
import cae.train.Provenance;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** docs/SPEC.md §5: the model file, the checkpoint and metrics.json say what made them; files without that still load. */
class ProvenanceRecordTest {
    private static final List<String> KEYS = List.of(Provenance.VERSION, Provenance.COMMIT, Provenance.JAVA, Provenance.OS,
            Provenance.CPU, Provenance.ENGINE, Provenance.STARTED);

    @Test
    void everyFileOfARunRecordsItsProvenanceAndOldFilesStillLoad(@TempDir Path tmp) throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), run = tmp.resolve("run");
        CommandLineTest.Result r = CommandLineTest.run("train", "--device", "cpu", "--threads", "1", "--data", data.toString(),
                "--batch", "10", "--epochs", "1", "--out", run.toString());
        assertEquals(0, r.code(), r.err());

        Provenance.Build build = Provenance.Build.current();
        Map<String, String> model = SafeTensors.read(run.resolve("model.safetensors")).metadata();
        Map<String, String> checkpoint = SafeTensors.read(run.resolve("checkpoint.safetensors")).metadata();
        JsonObject metrics = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
        for (String key : KEYS) {
            assertFalse(model.getOrDefault(key, "").isEmpty(), key + " in the model file: " + model);
            assertEquals(model.get(key), checkpoint.get(key), key + " in the checkpoint");
            assertEquals(model.get(key), metrics.get(key).getAsString(), key + " in metrics.json");
        }
        assertEquals(build.version(), model.get(Provenance.VERSION));
        assertEquals(build.commit(), model.get(Provenance.COMMIT));
        assertEquals(Provenance.javaRuntime(), model.get(Provenance.JAVA));
        assertTrue(model.get(Provenance.ENGINE).startsWith("cpu engine, 1 thread"), model.get(Provenance.ENGINE));
        assertFalse(model.containsKey(Provenance.GPU), "no GPU on the CPU engine");
        java.time.Instant started = java.time.Instant.parse(model.get(Provenance.STARTED)),
                finished = java.time.Instant.parse(model.get(Provenance.FINISHED));
        assertFalse(finished.isBefore(started));
        assertEquals(model.get(Provenance.FINISHED), metrics.get(Provenance.FINISHED).getAsString());
        JsonObject test = metrics.getAsJsonObject("test");
        assertEquals(test.get("psnr_denoised_db").getAsDouble(), Double.parseDouble(model.get("test_psnr_denoised_db")), 1e-9);
        assertEquals(test.get("loss").getAsDouble(), Double.parseDouble(model.get("test_loss")), 1e-9);
        assertEquals("20", model.get("test_images"));

        // files written before provenance was recorded: the same without its keys
        Path old = Files.createDirectories(tmp.resolve("old"));
        for (String name : List.of("model.safetensors", "checkpoint.safetensors", "loss.csv")) Files.copy(run.resolve(name), old.resolve(name));
        for (String name : List.of("model.safetensors", "checkpoint.safetensors")) {
            SafeTensors st = SafeTensors.read(old.resolve(name));
            Map<String, String> meta = new LinkedHashMap<>(st.metadata());
            meta.keySet().removeIf(key -> KEYS.contains(key) || key.equals(Provenance.FINISHED) || key.startsWith("test_"));
            SafeTensors.write(old.resolve(name), meta, st.tensors());
        }
        CommandLineTest.Result eval = CommandLineTest.run("eval", old.toString(), "--device", "cpu", "--data", data.toString());
        assertEquals(0, eval.code(), eval.err());
        CommandLineTest.Result resumed = CommandLineTest.run("train", "--device", "cpu", "--threads", "1", "--data", data.toString(),
                "--resume", old.toString(), "--epochs", "2");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming at step 2 of 4"), resumed.out());
        assertEquals(build.version(), SafeTensors.read(old.resolve("model.safetensors")).metadata().get(Provenance.VERSION));
    }
}
