package cae.kernels;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;

import static cae.kernels.KernelHost.*;

/** kernels/maxpool.cu bodies against CpuEngine.maxPool and maxPoolBackward. */
class MaxPoolKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{2}x{3}, ties {4}")
    @CsvSource({
            "2, 16, 7, 7, false",    // pool3: padding at the bottom and right
            "2, 32, 28, 28, false",  // pool1
            "2, 32, 14, 14, false",  // pool2
            "3, 4, 5, 5, false",
            "3, 4, 6, 5, false",
            "4, 3, 1, 1, false",
            "2, 8, 7, 7, true",      // many equal values: the first in row-major window order wins
            "2, 8, 28, 28, true"})
    void matchesCpuEngine(int n, int c, int h, int w, boolean ties) throws Exception {
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        Random random = new Random(h * 1000L + w * 10L + (ties ? 1 : 0));
        float[] x = randomFloats(random, n * c * h * w, 3f);
        if (ties) for (int i = 0; i < x.length; i++) x[i] = 1 + random.nextInt(3);
        float[] dy = randomFloats(random, n * c * oh * ow, 2f);

        float[] expectedY = new float[dy.length], expectedDx = new float[x.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, c, h, w), ty = cpu.zeros(n, c, oh, ow);
            Tensor tdy = cpu.zeros(n, c, oh, ow), tdx = cpu.zeros(n, c, h, w);
            cpu.write(tx, x);
            cpu.write(tdy, dy);
            cpu.maxPool(tx, ty);
            cpu.maxPoolBackward(tx, ty, tdy, tdx);
            cpu.read(ty, expectedY);
            cpu.read(tdx, expectedDx);
        }

        Path xf = writeFloats(dir.resolve("x"), x);
        run("maxpool_same_forward", n, c, h, w, xf, dir.resolve("y"));
        assertClose("max-pool forward", readFloats(dir.resolve("y"), dy.length), expectedY);
        run("maxpool_same_backward", n, c, h, w, xf, writeFloats(dir.resolve("dy"), dy), dir.resolve("dx"));
        assertClose("max-pool backward", readFloats(dir.resolve("dx"), x.length), expectedDx);
    }
}
