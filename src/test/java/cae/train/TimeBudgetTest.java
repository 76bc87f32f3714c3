package cae.train;

import cae.data.DataSet;
import cae.engine.Engine;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** --max-minutes: the run stops when its time is spent, with every output written, and a resume goes on to --epochs. */
class TimeBudgetTest {
    @Test
    void aSpentBudgetEndsTheRunWithEveryOutputAndResumeGoesOn(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        int size = 12;
        DivergenceTest.writeImages(data.resolve("train-images-idx3-ubyte"), TrainerTest.syntheticImages(5040, size, size, 1), 5040, size);
        DivergenceTest.writeImages(data.resolve("t10k-images-idx3-ubyte"), TrainerTest.syntheticImages(8, size, size, 2), 8, size);
        Path out = tmp.resolve("run");
        TrainingConfig config = new TrainingConfig(3, 8, 1e-3f, 0.5f, 5, 0);   // 5 steps per epoch, 15 in all
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        TrainingRun.Summary first;
        try (Engine engine = new CpuEngine(2)) {
            TrainingRun run = new TrainingRun(engine, DataSet.load(data), config, out, log, (s, t, p) -> null);
            run.maxMinutes(1e-9);   // spent at once: the run stops after its first step
            first = run.run(null);
        }
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertEquals(TrainingRun.Outcome.FINISHED, first.outcome(), text);
        assertEquals(1, first.state().step, text);
        assertTrue(text.contains("the time budget of 1.0E-9 minutes is spent at step 1 of 15 (epoch 1)"), text);
        for (String name : new String[] {"model.safetensors", "checkpoint.safetensors", "loss.csv", "loss.png", "reconstructions.png", "metrics.json"})
            assertTrue(Files.exists(out.resolve(name)), name + " written:\n" + text);
        assertEquals(1, Checkpoint.read(out).state().step);

        try (Engine engine = new CpuEngine(2)) {
            TrainingRun again = new TrainingRun(engine, DataSet.load(data), config, out, log, (s, t, p) -> null);
            TrainingRun.Summary resumed = again.run(Checkpoint.read(out).state());
            assertEquals(15, resumed.state().step, "the resume trains to --epochs");
        }
    }
}
