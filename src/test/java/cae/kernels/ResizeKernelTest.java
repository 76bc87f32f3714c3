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

/** kernels/resize.cu bodies against CpuEngine.resize and resizeBackward. */
class ResizeKernelTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{2}x{3} -> {4}x{5}")
    @CsvSource({
            "3, 16, 4, 4, 7, 7",      // up1
            "2, 16, 7, 7, 14, 14",    // up2
            "2, 32, 14, 14, 28, 28",  // up3
            "3, 5, 3, 3, 10, 10",
            "2, 3, 3, 5, 10, 7",
            "2, 3, 7, 9, 4, 5",       // downscaling skips source cells: their gradient is 0
            "2, 2, 1, 1, 3, 2",
            "1, 2, 5, 6, 5, 6"})
    void matchesCpuEngine(int n, int c, int ih, int iw, int oh, int ow) throws Exception {
        Random random = new Random(31L * ih + 7L * oh + iw * 131L + ow);
        float[] x = randomFloats(random, n * c * ih * iw, 2f);
        float[] dy = randomFloats(random, n * c * oh * ow, 2f);

        float[] expectedY = new float[dy.length], expectedDx = new float[x.length];
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, c, ih, iw), ty = cpu.zeros(n, c, oh, ow);
            cpu.write(tx, x);
            cpu.resize(tx, ty);
            cpu.read(ty, expectedY);
            cpu.write(ty, dy);
            cpu.resizeBackward(ty, tx);
            cpu.read(tx, expectedDx);
        }

        run("resize_nearest_forward", n, c, ih, iw, oh, ow, writeFloats(dir.resolve("x"), x), dir.resolve("y"));
        assertClose("resize forward", readFloats(dir.resolve("y"), dy.length), expectedY);
        run("resize_nearest_backward", n, c, ih, iw, oh, ow, writeFloats(dir.resolve("dy"), dy), dir.resolve("dx"));
        assertClose("resize backward", readFloats(dir.resolve("dx"), x.length), expectedDx);
    }
}
