package cae.kernels;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernels/loss.cu and the output sigmoid against CpuEngine.sigmoidCrossEntropy and sigmoid. */
class LossKernelTest {
    @TempDir Path dir;

    /** Logits around the usual range with some at +-100; targets in (0, 1) like clean pixels. */
    private static float[] logits(Random random, int count) {
        float[] x = randomFloats(random, count, 6f);
        for (int i = 0; i < count; i += 97) x[i] = random.nextBoolean() ? 100f : -100f;
        return x;
    }

    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {78_400, 300, 256, 1, 7 * 256 * 256 + 13})  // batch 100 of 28x28; one partial; many
    void lossAndGradientMatchCpuEngine(int count) throws Exception {
        Random random = new Random(count);
        float[] x = logits(random, count);
        float[] z = new float[count];
        for (int i = 0; i < count; i++) z[i] = (1 + random.nextInt(254)) / 255f;

        float[] expectedGrad = new float[count], expectedLoss = new float[3];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(count, 1), tz = cpu.zeros(count, 1), tg = cpu.zeros(count, 1), losses = cpu.zeros(3);
            cpu.write(tx, x);
            cpu.write(tz, z);
            cpu.sigmoidCrossEntropy(tx, tz, tg, losses, 1);
            cpu.read(tg, expectedGrad);
            cpu.read(losses, expectedLoss);
        }

        run("sigmoid_xent", count, writeFloats(dir.resolve("x"), x), writeFloats(dir.resolve("z"), z),
                dir.resolve("grad"), dir.resolve("loss"));
        float[] grad = readFloats(dir.resolve("grad"), count), loss = readFloats(dir.resolve("loss"), 1);
        for (float g : grad) assertTrue(Float.isFinite(g), "gradient not finite");
        assertTrue(Float.isFinite(loss[0]), "loss not finite");
        assertClose("loss gradient", grad, expectedGrad);
        assertClose("loss value", loss, new float[] {expectedLoss[1]});
    }

    @Test
    void sigmoidMatchesCpuEngine() throws Exception {
        int count = 5000;
        float[] x = logits(new Random(5), count);
        x[1] = 1000f;
        x[2] = -1000f;
        float[] expected = new float[count];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(count, 1), ty = cpu.zeros(count, 1);
            cpu.write(tx, x);
            cpu.sigmoid(tx, ty);
            cpu.read(ty, expected);
        }
        run("sigmoid_forward", count, writeFloats(dir.resolve("x"), x), dir.resolve("y"));
        assertClose("sigmoid", readFloats(dir.resolve("y"), count), expected);
    }
}
