package cae.engine;

import cae.engine.reference.ReferenceEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad calls are refused before they touch memory, with an IllegalArgumentException whose message
 * starts with the op's name, and every engine refuses each with the same message as the reference
 * engine (the CUDA engine where a GPU is present).
 */
class ShapeErrorTest {
    private static final ReferenceEngine reference = new ReferenceEngine();

    /** A bad call, written once against any engine: {@code op} names what its message must start with. */
    private record BadCall(String op, Consumer<Engine> call) {}

    private static List<BadCall> badCalls() {
        List<BadCall> calls = new ArrayList<>();
        // convolutions
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(2, 3, 5, 5), e.zeros(4, 2, 3, 3), e.zeros(4), e.zeros(2, 4, 5, 5), true)));
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(2, 3, 5, 5), e.zeros(4, 3, 3, 3), e.zeros(3), e.zeros(2, 4, 5, 5), true)));
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(2, 3, 5, 5), e.zeros(4, 3, 3, 3), e.zeros(4), e.zeros(2, 4, 5, 4), true)));
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(2, 3, 5, 5), e.zeros(4, 3, 3, 3), e.zeros(4), e.zeros(1, 4, 5, 5), true)));
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(2, 3, 5, 5), e.zeros(4, 3, 3, 3), e.zeros(4), e.zeros(2, 5, 5, 5), false)));
        calls.add(new BadCall("conv3x3", e -> e.conv3x3(e.zeros(150), e.zeros(4, 3, 3, 3), e.zeros(4), e.zeros(2, 4, 5, 5), false)));
        for (int bad = 0; bad < 6; bad++) {
            int which = bad;
            calls.add(new BadCall("conv3x3Backward", e -> {
                Tensor x = e.zeros(2, 3, 5, 5), w = e.zeros(4, 3, 3, 3), y = e.zeros(2, 4, 5, 5), dy = e.zeros(2, 4, 5, 5);
                switch (which) {
                    case 0 -> e.conv3x3Backward(x, w, y, dy, true, e.zeros(2, 3, 5, 4), e.zeros(4, 3, 3, 3), e.zeros(4));
                    case 1 -> e.conv3x3Backward(x, w, y, dy, true, null, e.zeros(4, 3, 3, 2), e.zeros(4));
                    case 2 -> e.conv3x3Backward(x, w, y, dy, true, null, e.zeros(4, 3, 3, 3), e.zeros(5));
                    case 3 -> e.conv3x3Backward(x, w, y, e.zeros(2, 4, 4, 5), true, null, e.zeros(4, 3, 3, 3), e.zeros(4));
                    case 4 -> e.conv3x3Backward(x, w, e.zeros(2, 4, 5, 4), dy, true, null, e.zeros(4, 3, 3, 3), e.zeros(4));
                    default -> e.conv3x3Backward(x, w, null, dy, true, null, e.zeros(4, 3, 3, 3), e.zeros(4));
                }
            }));
        }
        calls.add(new BadCall("transposedConv3x3", e -> e.transposedConv3x3(e.zeros(2, 3, 4, 4), e.zeros(3, 5, 3, 3), e.zeros(5), e.zeros(2, 5, 9, 7), false)));
        calls.add(new BadCall("transposedConv3x3", e -> e.transposedConv3x3(e.zeros(2, 3, 4, 4), e.zeros(5, 3, 3, 2), e.zeros(5), e.zeros(2, 5, 7, 7), false)));
        calls.add(new BadCall("transposedConv3x3Backward", e -> e.transposedConv3x3Backward(e.zeros(2, 3, 4, 4), e.zeros(3, 5, 3, 3), null,
                e.zeros(2, 5, 7, 7), true, null, e.zeros(3, 5, 3, 3), e.zeros(5))));
        calls.add(new BadCall("conv3x3PoolBackward", e -> e.conv3x3PoolBackward(e.zeros(2, 3, 7, 7), e.zeros(4, 3, 3, 3), e.zeros(2, 4, 7, 7),
                e.zeros(2, 4, 4, 4), e.zeros(2, 4, 4, 3), true, e.zeros(2, 4, 7, 7), null, e.zeros(4, 3, 3, 3), e.zeros(4))));
        calls.add(new BadCall("conv3x3ResizeBackward", e -> e.conv3x3ResizeBackward(e.zeros(2, 3, 7, 7), e.zeros(4, 3, 3, 3), e.zeros(2, 4, 7, 7),
                e.zeros(2, 5, 14, 14), true, e.zeros(2, 4, 7, 7), null, e.zeros(4, 3, 3, 3), e.zeros(4))));
        // pooling and resizing
        calls.add(new BadCall("maxPool", e -> e.maxPool(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 3, 3))));
        calls.add(new BadCall("maxPool", e -> e.maxPool(e.zeros(2, 3, 7, 7), e.zeros(2, 2, 4, 4))));
        calls.add(new BadCall("maxPool", e -> e.maxPool(e.zeros(2, 3, 7, 7), e.zeros(1, 3, 4, 4))));
        calls.add(new BadCall("maxPoolBackward", e -> e.maxPoolBackward(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 4, 3), e.zeros(2, 3, 4, 3), e.zeros(2, 3, 7, 7))));
        calls.add(new BadCall("maxPoolBackward", e -> e.maxPoolBackward(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 4, 4), e.zeros(2, 3, 4, 3), e.zeros(2, 3, 7, 7))));
        calls.add(new BadCall("maxPoolBackward", e -> e.maxPoolBackward(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 4, 4), e.zeros(2, 3, 4, 4), e.zeros(2, 3, 7, 6))));
        calls.add(new BadCall("maxUnpoolBackward", e -> e.maxUnpoolBackward(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 3, 4), e.zeros(2, 3, 7, 7), e.zeros(2, 3, 3, 4))));
        calls.add(new BadCall("maxUnpoolBackward", e -> e.maxUnpoolBackward(e.zeros(2, 3, 7, 7), e.zeros(2, 3, 4, 4), e.zeros(2, 3, 7, 6), e.zeros(2, 3, 4, 4))));
        calls.add(new BadCall("resize", e -> e.resize(e.zeros(2, 3, 7, 7), e.zeros(2, 2, 14, 14))));
        calls.add(new BadCall("resize", e -> e.resize(e.zeros(2, 3, 7, 7), e.zeros(3, 3, 14, 14))));
        calls.add(new BadCall("resizeBackward", e -> e.resizeBackward(e.zeros(2, 2, 14, 14), e.zeros(2, 3, 7, 7))));
        calls.add(new BadCall("bilinearResize", e -> e.bilinearResize(e.zeros(2, 3, 4, 4), e.zeros(2, 2, 7, 7))));
        calls.add(new BadCall("bilinearResize", e -> e.bilinearResize(e.zeros(2, 3, 0, 4), e.zeros(2, 3, 7, 7))));
        calls.add(new BadCall("bilinearResizeBackward", e -> e.bilinearResizeBackward(e.zeros(1, 3, 7, 7), e.zeros(2, 3, 4, 4))));
        // output, loss, optimizer, data, memory
        calls.add(new BadCall("sigmoid", e -> e.sigmoid(e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 3))));
        calls.add(new BadCall("sigmoidCrossEntropy", e -> e.sigmoidCrossEntropy(e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 3), e.zeros(2, 1, 4, 4), e.zeros(1), 0)));
        calls.add(new BadCall("sigmoidCrossEntropy", e -> e.sigmoidCrossEntropy(e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 4), e.zeros(1, 1, 4, 4), e.zeros(1), 0)));
        calls.add(new BadCall("sigmoidCrossEntropy", e -> e.sigmoidCrossEntropy(e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 4), e.zeros(3), 3)));
        calls.add(new BadCall("sigmoidCrossEntropy", e -> e.sigmoidCrossEntropy(e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 4), e.zeros(2, 1, 4, 4), e.zeros(3), -1)));
        calls.add(new BadCall("adam", e -> e.adam(e.zeros(10), e.zeros(9), e.zeros(10), e.zeros(10), 1e-3f, 0.9f, 0.999f, 1e-8f)));
        calls.add(new BadCall("adam", e -> e.adam(e.zeros(10), e.zeros(10), e.zeros(11), e.zeros(10), 1e-3f, 0.9f, 0.999f, 1e-8f)));
        calls.add(new BadCall("adam", e -> e.adam(e.zeros(10), e.zeros(10), e.zeros(10), e.zeros(9), 1e-3f, 0.9f, 0.999f, 1e-8f)));
        for (int bad = 0; bad < 3; bad++) {
            int which = bad;
            calls.add(new BadCall("gather", e -> {
                ImageSet images = e.upload(new byte[4 * 3 * 3], 4, 3, 3);
                e.setOrder(new int[] {0, 1, 2, 3});
                switch (which) {
                    case 0 -> e.gather(images, 2, e.zeros(3, 1, 3, 3), null, 0f, 1, 1);
                    case 1 -> e.gather(images, 0, e.zeros(2, 1, 3, 4), null, 0f, 1, 1);
                    default -> e.gather(images, 0, e.zeros(2, 1, 3, 3), e.zeros(2, 1, 3, 2), 0.5f, 1, 1);
                }
            }));
        }
        calls.add(new BadCall("upload", e -> e.upload(new byte[10], 4, 3, 3)));
        calls.add(new BadCall("write", e -> e.write(e.zeros(10), new float[9])));
        calls.add(new BadCall("read", e -> e.read(e.zeros(10), new float[11])));
        calls.add(new BadCall("zeros", e -> e.zeros(2, -3)));
        calls.add(new BadCall("view", e -> e.view(e.zeros(10), -1, 4)));
        calls.add(new BadCall("view", e -> e.view(e.zeros(10), 7, 4)));
        return calls;
    }

    private static IllegalArgumentException refusal(Engine engine, BadCall bad) {
        return assertThrows(IllegalArgumentException.class, () -> bad.call().accept(engine), engine.describe() + ": " + bad.op());
    }

    @ParameterizedTest @ValueSource(strings = {"cpu", "cpu-plain", "cuda"})
    void everyEngineRefusesABadCallWithTheReferencesMessage(String name) {
        Engine engine = EngineAgreementTest.engine(name);
        try {
            for (BadCall bad : badCalls()) {
                String expected = refusal(reference, bad).getMessage();
                assertTrue(expected.startsWith(bad.op() + ":") || expected.startsWith(bad.op() + " "),
                        "\"" + expected + "\" starts with the op's name, " + bad.op());
                assertEquals(expected, refusal(engine, bad).getMessage(), engine.describe());
            }
        } finally {
            engine.close();
        }
    }
}
