package cae.engine.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static cae.engine.cuda.KernelTests.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * kernels/unpool.cu (maxpool_same_gather, the max-unpooling gradient), launched in the CPU emulation,
 * against a reference written here from docs/SPEC.md §2's SAME rule (padding at the end, first maximum in row-major window order wins),
 * and against max-unpooling itself (maxpool_same_backward with the values in place of dy): the two must
 * be adjoint, <unpool(v), d> = <v, gather(d)>, ties included.
 */
class UnpoolKernelTest {

    @ParameterizedTest(name = "{2}x{3}, ties {4}")
    @CsvSource({
            "2, 16, 7, 7, false",    // pool3: padding at the bottom and right
            "2, 32, 28, 28, false",  // pool1
            "2, 32, 14, 14, false",  // pool2
            "3, 4, 5, 6, false",
            "4, 3, 1, 1, false",
            "2, 8, 7, 7, true",      // many equal values: the first in row-major window order wins
            "2, 8, 28, 28, true"})
    void matchesReferenceAndIsUnpoolingsAdjoint(int n, int c, int h, int w, boolean ties) {
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        Random random = new Random(h * 1000L + w * 10L + (ties ? 1 : 0));
        float[] x = randomFloats(random, n * c * h * w, 3f);
        if (ties) for (int i = 0; i < x.length; i++) x[i] = random.nextInt(3);  // 0, 1 or 2, like ReLU outputs
        float[] dOut = randomFloats(random, x.length, 2f);
        float[] values = randomFloats(random, n * c * oh * ow, 2f);

        float[] expected = new float[values.length];
        int padTop = Math.max((oh - 1) * 2 + 2 - h, 0) / 2, padLeft = Math.max((ow - 1) * 2 + 2 - w, 0) / 2;
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int best = -1;
                    for (int r = oy * 2 - padTop; r < oy * 2 - padTop + 2; r++)
                        for (int q = ox * 2 - padLeft; q < ox * 2 - padLeft + 2; q++) {
                            if (r < 0 || r >= h || q < 0 || q >= w) continue;
                            int i = (p * h + r) * w + q;
                            if (best < 0 || x[i] > x[best]) best = i;
                        }
                    expected[(p * oh + oy) * ow + ox] = dOut[best];
                }

        float[] dValues, unpooled;
        try (KernelEmulator gpu = KernelEmulator.start()) {
            Kernels kernels = gpu.kernels();
            CudaTensor tx = gpu.tensor(x, n, c, h, w), tdv = gpu.nanTensor(n, c, oh, ow), tu = gpu.nanTensor(n, c, h, w);
            kernels.maxPoolGather(tx, gpu.tensor(dOut, n, c, h, w), tdv);
            dValues = gpu.read(tdv);
            assertClose("max-unpool gradient", dValues, expected);
            kernels.maxPoolBackward(tx, gpu.tensor(values, n, c, oh, ow), tu);
            unpooled = gpu.read(tu);
        }
        double left = 0, right = 0;
        for (int i = 0; i < x.length; i++) left += (double) unpooled[i] * dOut[i];
        for (int i = 0; i < values.length; i++) right += (double) values[i] * dValues[i];
        assertEquals(left, right, 1e-9 * Math.max(1, Math.abs(left)), "<unpool(v), d> = <v, gather(d)>");
    }
}
