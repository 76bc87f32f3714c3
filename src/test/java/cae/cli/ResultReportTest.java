package cae.cli;

import cae.model.Decoder;
import cae.train.Evaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** docs/SPEC.md §3.5: what the results say is said; a model is not scored on data it was not trained on without a word. */
class ResultReportTest {
    @Test
    void compareFlagsAVariantThatEndsBelowTheNoisyInput() {
        CompareCommand compare = new CompareCommand(new Streams(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
        compare.epochs = 1;
        compare.batch = 100;
        compare.limit = 2000;
        List<CompareCommand.Row> rows = List.of(row(Decoder.NEAREST, 9.37, 12.5), row(Decoder.BILINEAR, 9.37, 8.21));
        String markdown = compare.markdown(rows);
        assertTrue(markdown.contains("| nearest | 30,689 | 0.2000 | 9.37 | 12.50 |"), markdown);
        assertTrue(markdown.contains("| bilinear | 30,689 | 0.2000 | 9.37 | 8.21 (below noisy) |"), markdown);
        assertTrue(markdown.contains("**Below the noisy input**: bilinear ends with denoised images that score lower than the noisy input "
                + "they were given: it is undertrained"), markdown);
        List<String> csv = CompareCommand.csv(rows).lines().toList();
        assertTrue(csv.get(0).endsWith(",below_noisy"), csv.get(0));
        assertTrue(csv.get(1).endsWith(",false") && csv.get(2).endsWith(",true"), csv.toString());
    }

    private static CompareCommand.Row row(Decoder decoder, double noisy, double denoised) {
        return new CompareCommand.Row(decoder, 30_689, new Evaluation.Result(10_000, 0.2, noisy, denoised, 0.01, 0.01), null, 0, 0, 100, null, null, null);
    }

    @Test
    void aShortRunSaysItIsUndertrainedAndTheHeaderTheImagesItUses(@TempDir Path tmp) throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 40, 1);
        CommandLineTest.Result r = CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10",
                "--epochs", "1", "--limit", "20", "--out", tmp.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("on data set from " + data + ": 40 train, no validation, 40 test images of 8 x 8, no labels; "
                + "training on 20 of its 40 training images (--limit 20); 2 steps per epoch"), r.out());
        assertTrue(r.out().contains("note: the model is undertrained: its denoised test images score "), r.out());
        assertTrue(r.out().contains("the recipe trains 10 epochs of all 40 training images (--epochs 10 without --limit), about "), r.out());
    }

    @Test
    void evalWithoutDataRefusesAModelTrainedOnOtherData(@TempDir Path tmp) throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), run = tmp.resolve("run");
        assertEquals(0, CommandLineTest.run("train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1",
                "--out", run.toString()).code());
        java.util.Map<String, String> meta = cae.io.SafeTensors.read(run.resolve("model.safetensors")).metadata();
        CommandLineTest.Result r = CommandLineTest.run("eval", run.toString(), "--device", "cpu");
        assertEquals(Main.USAGE, r.code(), r.err());
        assertEquals("cae eval: " + run.resolve("model.safetensors") + " was trained on " + meta.get("dataset") + " (training images sha256 "
                + meta.get("dataset_sha256") + "), not MNIST: give its folder with --data DIR (only its t10k files are needed)", r.err().strip());
        assertEquals(0, CommandLineTest.run("eval", run.toString(), "--device", "cpu", "--data", data.toString()).code());
    }
}
