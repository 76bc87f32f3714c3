package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's arguments in the order of its parameters in kernels/*.cu, each with its kind, so that a
 * launcher can pass them to the GPU or check them against the kernel's C++ types (the CPU emulation).
 * Built only by {@link Kernels}, one method per kernel.
 */
final class KernelArgs {
    /** One argument. */
    sealed interface Arg permits DevicePointer, Int32, Float32, Int64, Words {}

    /** A device pointer; null for a null pointer (an optional buffer left out). */
    record DevicePointer(CUdeviceptr value) implements Arg {}

    record Int32(int value) implements Arg {}

    record Float32(float value) implements Arg {}

    record Int64(long value) implements Arg {}

    /** A struct of 64-bit words passed by value (step.cu's StepWords). */
    record Words(long[] value) implements Arg {}

    private final List<Arg> args = new ArrayList<>(12);

    KernelArgs pointer(CUdeviceptr p) {
        args.add(new DevicePointer(p));
        return this;
    }

    KernelArgs tensor(CudaTensor t) { return pointer(t.ptr); }

    /** t's elements, or a null pointer when t is null. */
    KernelArgs tensorOrNull(CudaTensor t) { return pointer(t == null ? null : t.ptr); }

    KernelArgs i32(int v) {
        args.add(new Int32(v));
        return this;
    }

    KernelArgs flag(boolean v) { return i32(v ? 1 : 0); }

    KernelArgs f32(float v) {
        args.add(new Float32(v));
        return this;
    }

    KernelArgs i64(long v) {
        args.add(new Int64(v));
        return this;
    }

    KernelArgs words(long[] v) {
        args.add(new Words(v));
        return this;
    }

    List<Arg> list() { return args; }
}
