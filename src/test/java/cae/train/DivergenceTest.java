package cae.train;

import cae.data.DataSet;
import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A loss that turns NaN stops the run with the step, and leaves the last checkpoint as it was. */
class DivergenceTest {

    static void writeImages(Path file, byte[] pixels, int count, int size) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(size);
        out.writeInt(size);
        out.write(pixels);
        Files.write(file, bytes.toByteArray());
    }

    /** A CPU engine whose loss output becomes NaN from loss call number {@code poisonedCall} (1-based) on. */
    static Engine poisonedLossEngine(int poisonedCall) {
        CpuEngine cpu = new CpuEngine(2);
        int[] calls = {0};
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class}, (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (method.getName().equals("sigmoidCrossEntropy") && ++calls[0] >= poisonedCall) {
                Tensor losses = (Tensor) args[3];
                float[] values = new float[losses.size()];
                cpu.read(losses, values);
                values[(Integer) args[4]] = Float.NaN;
                cpu.write(losses, values);
            }
            return result;
        });
    }

    @Test
    void nanLossStopsWithTheStepAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        int size = 12;
        writeImages(data.resolve("train-images-idx3-ubyte"), TrainerTest.syntheticImages(40, size, size, 1), 40, size);
        writeImages(data.resolve("t10k-images-idx3-ubyte"), TrainerTest.syntheticImages(8, size, size, 2), 8, size);
        Path out = tmp.resolve("run");
        TrainingConfig config = new TrainingConfig(3, 8, 1e-3f, 0.5f, 5, 0);   // 5 steps per epoch
        PrintStream log = new PrintStream(new ByteArrayOutputStream());
        try (Engine engine = poisonedLossEngine(8)) {                          // step 7 (0-based) goes NaN
            TrainingRun run = new TrainingRun(engine, DataSet.load(data), config, out, log, (s, t, p) -> null);
            Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, () -> run.run(null));
            assertEquals(7, e.step);
            assertEquals("training diverged: the loss became NaN at step 7; stopped without saving, the last checkpoint is unchanged",
                    e.getMessage());
        }
        Checkpoint.Loaded saved = Checkpoint.read(out);
        assertEquals(5, saved.state().step, "the checkpoint of epoch 1 stays");
        for (float v : saved.state().params) assertTrue(Float.isFinite(v));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        assertEquals(1 + 5, Files.readAllLines(out.resolve("loss.csv")).size(), "loss.csv holds the finite steps read before");
    }
}
