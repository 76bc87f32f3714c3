package cae.engine.cpu;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.*;

/** Tensors of the wrong size are refused with an IllegalArgumentException that names the op. */
class ShapeErrorTest {
    private static final Engine engine = new CpuEngine(2);

    @AfterAll static void close() { engine.close(); }

    private static void assertRefused(String op, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, op);
        assertTrue(e.getMessage().contains(op), "message \"" + e.getMessage() + "\" names " + op);
    }

    private static Tensor z(int... shape) { return engine.zeros(shape); }

    @Test
    void convolution() {
        Tensor x = z(2, 3, 5, 5), w = z(4, 3, 3, 3), b = z(4), y = z(2, 4, 5, 5);
        assertRefused("conv3x3", () -> engine.conv3x3(x, z(4, 2, 3, 3), b, y, true));
        assertRefused("conv3x3", () -> engine.conv3x3(x, w, z(3), y, true));
        assertRefused("conv3x3", () -> engine.conv3x3(x, w, b, z(2, 4, 5, 4), true));
        assertRefused("conv3x3", () -> engine.conv3x3(x, w, b, z(1, 4, 5, 5), true));
        assertRefused("conv3x3", () -> engine.conv3x3(x, w, b, z(2, 5, 5, 5), false));

        Tensor dy = z(2, 4, 5, 5), dw = z(4, 3, 3, 3), db = z(4);
        assertRefused("conv3x3Backward", () -> engine.conv3x3Backward(x, w, y, dy, true, z(2, 3, 5, 4), dw, db));
        assertRefused("conv3x3Backward", () -> engine.conv3x3Backward(x, w, y, dy, true, null, z(4, 3, 3, 2), db));
        assertRefused("conv3x3Backward", () -> engine.conv3x3Backward(x, w, y, dy, true, null, dw, z(5)));
        assertRefused("conv3x3Backward", () -> engine.conv3x3Backward(x, w, y, z(2, 4, 4, 5), true, null, dw, db));
        assertRefused("conv3x3Backward", () -> engine.conv3x3Backward(x, w, z(2, 4, 5, 4), dy, true, null, dw, db));
    }

    @Test
    void poolingAndResizing() {
        Tensor x = z(2, 3, 7, 7), y = z(2, 3, 4, 4);
        assertRefused("maxPool", () -> engine.maxPool(x, z(2, 3, 3, 3)));
        assertRefused("maxPool", () -> engine.maxPool(x, z(2, 2, 4, 4)));
        assertRefused("maxPool", () -> engine.maxPool(x, z(1, 3, 4, 4)));
        assertRefused("maxPoolBackward", () -> engine.maxPoolBackward(x, z(2, 3, 4, 3), z(2, 3, 4, 3), z(2, 3, 7, 7)));
        assertRefused("maxPoolBackward", () -> engine.maxPoolBackward(x, y, z(2, 3, 4, 3), z(2, 3, 7, 7)));
        assertRefused("maxPoolBackward", () -> engine.maxPoolBackward(x, y, z(2, 3, 4, 4), z(2, 3, 7, 6)));

        assertRefused("resize", () -> engine.resize(x, z(2, 2, 14, 14)));
        assertRefused("resize", () -> engine.resize(x, z(3, 3, 14, 14)));
        assertRefused("resizeBackward", () -> engine.resizeBackward(z(2, 2, 14, 14), x));
    }

    @Test
    void outputLossOptimizerAndData() {
        Tensor logits = z(2, 1, 4, 4);
        assertRefused("sigmoid", () -> engine.sigmoid(logits, z(2, 1, 4, 3)));
        assertRefused("sigmoidCrossEntropy", () -> engine.sigmoidCrossEntropy(logits, z(2, 1, 4, 3), z(2, 1, 4, 4), z(1), 0));
        assertRefused("sigmoidCrossEntropy", () -> engine.sigmoidCrossEntropy(logits, z(2, 1, 4, 4), z(1, 1, 4, 4), z(1), 0));
        assertRefused("sigmoidCrossEntropy", () -> engine.sigmoidCrossEntropy(logits, z(2, 1, 4, 4), z(2, 1, 4, 4), z(3), 3));
        assertRefused("sigmoidCrossEntropy", () -> engine.sigmoidCrossEntropy(logits, z(2, 1, 4, 4), z(2, 1, 4, 4), z(3), -1));

        Tensor p = z(10);
        assertRefused("adam", () -> engine.adam(p, z(9), z(10), z(10), 1e-3f, 0.9f, 0.999f, 1e-8f));
        assertRefused("adam", () -> engine.adam(p, z(10), z(11), z(10), 1e-3f, 0.9f, 0.999f, 1e-8f));
        assertRefused("adam", () -> engine.adam(p, z(10), z(10), z(9), 1e-3f, 0.9f, 0.999f, 1e-8f));

        ImageSet images = engine.upload(new byte[4 * 3 * 3], 4, 3, 3);
        engine.setOrder(new int[] {0, 1, 2, 3});
        assertRefused("gather", () -> engine.gather(images, 2, z(3, 1, 3, 3), null, 0f, 1, 1));
        assertRefused("gather", () -> engine.gather(images, 0, z(2, 1, 3, 4), null, 0f, 1, 1));
        assertRefused("gather", () -> engine.gather(images, 0, z(2, 1, 3, 3), z(2, 1, 3, 2), 0.5f, 1, 1));
        assertRefused("write", () -> engine.write(p, new float[9]));
        assertRefused("read", () -> engine.read(p, new float[11]));
    }
}
