package cae.cli;

import cae.data.MnistFetcher;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A resumed run's outputs describe the whole run (every step in loss.csv, every epoch's validation
 * loss and time in metrics.json), wherever it continues; the settings it may and may not be given;
 * and folders holding a run or a comparison are never written over. On MNIST (for its validation
 * split), 200 training images in batches of 100.
 */
class ResumeTest {
    private static final String[] SMALL = {"--device", "cpu", "--limit", "200", "--batch", "100"};

    private static CommandLineTest.Result train(String... args) {
        String[] all = new String[1 + SMALL.length + args.length];
        all[0] = "train";
        System.arraycopy(SMALL, 0, all, 1, SMALL.length);
        System.arraycopy(args, 0, all, 1 + SMALL.length, args.length);
        return CommandLineTest.run(all);
    }

    private static JsonObject metrics(Path run) throws Exception {
        return JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
    }

    @Test
    void aResumedRunsOutputsCoverTheWholeRun(@TempDir Path tmp) throws Exception {
        MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        assertEquals(0, train("--epochs", "2", "--out", a.toString()).code());

        CommandLineTest.Result fewer = CommandLineTest.run("train", "--device", "cpu", "--resume", a.toString(), "--epochs", "1");
        assertEquals(Main.USAGE, fewer.code(), fewer.err());
        assertTrue(fewer.err().contains("--epochs 1: the checkpoint is at step 4, in epoch 2 of 2 steps; give --epochs 2 or more"), fewer.err());

        // the checkpoint's own settings may be repeated; the run continues into an empty folder
        CommandLineTest.Result more = train("--resume", a.toString(), "--epochs", "3", "--lr", "0.001", "--seed", "1", "--out", b.toString());
        assertEquals(0, more.code(), more.err());
        List<String> rows = Files.readAllLines(b.resolve("loss.csv"));
        assertEquals(List.of("step", "0", "1", "2", "3", "4", "5"), rows.stream().map(r -> r.split(",")[0]).toList(), "every step, from both folders");
        JsonObject m = metrics(b);
        assertEquals(3, m.getAsJsonArray("validation_loss_per_epoch").size(), m.toString());
        assertEquals(3, m.getAsJsonObject("speed").getAsJsonArray("epoch_seconds").size(), m.toString());
        double speed = m.getAsJsonObject("speed").get("train_images_per_s").getAsDouble();
        assertTrue(speed > 0, m.toString());

        // a finished run resumed again writes the same history, and keeps its measured speed
        CommandLineTest.Result again = CommandLineTest.run("train", "--device", "cpu", "--resume", b.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("already finished all epochs"), again.out());
        JsonObject m2 = metrics(b);
        assertEquals(m.getAsJsonArray("validation_loss_per_epoch"), m2.getAsJsonArray("validation_loss_per_epoch"));
        assertEquals(speed, m2.getAsJsonObject("speed").get("train_images_per_s").getAsDouble(), speed * 1e-6);

        CommandLineTest.Result changed = train("--resume", b.toString(), "--epochs", "4", "--lr", "0.002");
        assertEquals(Main.USAGE, changed.code(), changed.err());
        assertTrue(changed.err().contains("--lr cannot change when resuming"), changed.err());
    }

    /** A checkpoint in the middle of epoch 2 (step 3 of 2-step epochs): --epochs 1 is refused, the --epochs it suggests is taken. */
    @Test
    void aCheckpointInsideAnEpochNeedsThatEpoch(@TempDir Path tmp) throws Exception {
        MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        cae.train.TrainingConfig config = new cae.train.TrainingConfig(1, 100, 1e-3f, 0.5f, 1, 200);
        cae.train.TrainingState fresh = cae.train.TrainingState.fresh(config);
        Path run = Files.createDirectories(tmp.resolve("run"));
        cae.train.Checkpoint.write(run.resolve(cae.train.Checkpoint.NAME), new cae.train.TrainingState(config, 3, fresh.params,
                fresh.adamM, fresh.adamV), 2, cae.data.Mnist.SHA256.get(cae.data.DataSet.TRAIN_IMAGES));

        CommandLineTest.Result one = CommandLineTest.run("train", "--device", "cpu", "--resume", run.toString());
        assertEquals(Main.USAGE, one.code(), one.err());
        assertTrue(one.err().contains("--epochs 1: the checkpoint is at step 3, in epoch 2 of 2 steps; give --epochs 2 or more"), one.err());
        CommandLineTest.Result two = CommandLineTest.run("train", "--device", "cpu", "--resume", run.toString(), "--epochs", "2");
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("resuming at step 3 of 4"), two.out());
    }

    @Test
    void aFolderHoldingARunOrAComparisonIsNeverWrittenOver(@TempDir Path tmp) throws Exception {
        Path finished = Files.createDirectories(tmp.resolve("finished"));
        Files.writeString(finished.resolve("model.safetensors"), "a model, its checkpoint deleted");
        CommandLineTest.Result train = CommandLineTest.run("train", "--device", "cpu", "--out", finished.toString());
        assertEquals(Main.USAGE, train.code(), train.err());
        assertTrue(train.err().contains(finished + " already holds a run (model.safetensors); choose another --out"), train.err());

        Path comparison = Files.createDirectories(tmp.resolve("cmp").resolve("nearest"));
        Files.writeString(comparison.resolve("metrics.json"), "{}");
        CommandLineTest.Result compare = CommandLineTest.run("compare", "--device", "cpu", "--out", tmp.resolve("cmp").toString());
        assertEquals(Main.USAGE, compare.code(), compare.err());
        assertTrue(compare.err().contains("already holds a comparison or a run (nearest/); choose another --out"), compare.err());
        assertEquals("{}", Files.readString(comparison.resolve("metrics.json")));

        Files.writeString(tmp.resolve("cmp").resolve("compare.md"), "a table");
        CommandLineTest.Result trainThere = CommandLineTest.run("train", "--device", "cpu", "--out", tmp.resolve("cmp").toString());
        assertEquals(Main.USAGE, trainThere.code(), trainThere.err());
        assertTrue(trainThere.err().contains("already holds a run (compare.md); choose another --out"), trainThere.err());
    }
}
