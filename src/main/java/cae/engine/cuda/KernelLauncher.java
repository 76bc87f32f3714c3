package cae.engine.cuda;

/**
 * Where the kernels run: the GPU ({@link KernelModule}), or in the tests the CPU emulation of
 * native-tests/host, which runs the same kernel code on host buffers. {@link Kernels} calls it, one
 * typed method per kernel, so the engine and the tests launch every kernel the same way.
 */
interface KernelLauncher {
    /** Launches kernel {@code name} on a blocksX x blocksY grid of {@link KernelConstants#THREADS}-thread blocks. */
    void launch(String name, int blocksX, int blocksY, KernelArgs args);

    /**
     * Blocks for a grid-stride kernel over {@code total} elements: any count covers them. The GPU takes
     * one per {@link KernelConstants#THREADS} elements, up to 65,536.
     */
    default int gridStrideBlocks(long total) { return Kernels.blocksFor(total); }
}
