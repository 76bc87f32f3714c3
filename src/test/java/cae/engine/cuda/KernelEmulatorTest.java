package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU emulation the kernel tests launch through: it holds every kernel the engine launches, and it
 * refuses a launch whose arguments do not match the kernel's C++ parameters (kind, pointer element type,
 * count) with the argument's position, so that an argument order wrong in {@link Kernels} fails here.
 */
class KernelEmulatorTest {
    @Test
    void holdsEveryKernelTheEngineLaunches() {
        try (KernelEmulator gpu = KernelEmulator.start()) {
            assertEquals(new TreeSet<>(Kernels.NAMES), new TreeSet<>(gpu.kernelNames()));
        }
    }

    @Test
    void refusesArgumentsThatAreNotTheKernelsParameters() {
        try (KernelEmulator gpu = KernelEmulator.start()) {
            CUdeviceptr partials = gpu.nans(4), dBias = gpu.nans(2), order = gpu.ints(new int[] {0, 1});
            // bias_grad_reduce(const float* partials, int chunks, float* dbias)
            assertNull(gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).i32(2).pointer(dBias)));
            assertRefused("bias_grad_reduce: argument 2 is a pointer, the kernel's parameter is int",
                    gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).pointer(dBias).i32(2)));
            assertRefused("bias_grad_reduce: argument 3 is a float, the kernel's parameter is float*",
                    gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).i32(2).f32(1f)));
            assertRefused("bias_grad_reduce: argument 1 points to int values, the kernel's parameter is const float*",
                    gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(order).i32(2).pointer(dBias)));
            assertRefused("bias_grad_reduce: 2 arguments, the kernel has 3 parameters",
                    gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).i32(2)));
            assertRefused("bias_grad_reduce: argument 3: offset 12 into a buffer of 8 bytes",
                    gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).i32(2).pointer(dBias.withByteOffset(12))));
            assertRefused("no kernel bias_grad_reduction",
                    gpu.tryLaunch("bias_grad_reduction", 2, 1, 256, new KernelArgs().pointer(partials).i32(2).pointer(dBias)));
            // and it goes on answering after a refusal
            assertNull(gpu.tryLaunch("bias_grad_reduce", 2, 1, 256, new KernelArgs().pointer(partials).i32(2).pointer(dBias)));
        }
    }

    private static void assertRefused(String expected, String refusal) {
        assertNotNull(refusal, "the emulator ran a launch it should have refused: " + expected);
        assertEquals(expected, refusal);
    }

    /** step_scalars_set copies its by-value words into device memory, as many as asked, from a slot's offset. */
    @Test
    void stepScalarsSetWritesTheWordsItIsGiven() {
        try (KernelEmulator gpu = KernelEmulator.start()) {
            long[] words = new long[KernelConstants.STEP_WORDS];
            for (int i = 0; i < words.length; i++) words[i] = 0x1234_5678_9abcL * (i + 1) - i;
            long[] before = new long[KernelConstants.STEP_WORDS];
            Arrays.fill(before, -1);
            CUdeviceptr dst = gpu.longs(before);
            gpu.kernels().stepScalarsSet(dst.withByteOffset(2 * Long.BYTES), 5, words);
            long[] expected = before.clone();
            System.arraycopy(words, 0, expected, 2, 5);
            assertArrayEquals(expected, gpu.readLongs(dst, KernelConstants.STEP_WORDS));
        }
    }

    /** A reducing kernel launched with another block size stops (__trap) instead of returning a wrong sum. */
    @Test
    void aReducingKernelTrapsOnTheWrongBlockSize() {
        KernelEmulator gpu = KernelEmulator.start();
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> gpu.tryLaunch("bias_grad_reduce", 2, 1, 128,
                new KernelArgs().pointer(gpu.nans(4)).i32(2).pointer(gpu.nans(2))));
        assertTrue(e.getMessage().contains("__trap() in a kernel"), e.getMessage());
        gpu.close();
    }
}
