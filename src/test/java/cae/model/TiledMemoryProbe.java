package cae.model;

import cae.engine.Pixels;
import cae.engine.cpu.CpuEngine;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.SplittableRandom;

/**
 * Not a test: run by hand (docs/metrics.md) to see that a large photograph denoises through
 * {@link TiledDenoiser} within a small heap. Arguments: channels, height, width, CPU threads. It
 * prints the time and the heap pools' peak use; a heap too small ends it with OutOfMemoryError.
 */
public final class TiledMemoryProbe {
    public static void main(String[] args) {
        int c = Integer.parseInt(args[0]), h = Integer.parseInt(args[1]), w = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]);
        byte[] bytes = new byte[c * h * w];
        new SplittableRandom(1).nextBytes(bytes);
        Pixels pixels = Pixels.of(bytes, 1, c, h, w);
        Architecture arch = new Architecture(Decoder.NEAREST, c, Architecture.RECIPE_WIDTHS, true, true, Architecture.Loss.MSE);
        try (CpuEngine cpu = new CpuEngine(threads); Autoencoder net = new Autoencoder(cpu, arch)) {
            net.setWeights(Parameters.glorotInit(arch, 1));
            long start = System.nanoTime();
            float[] out = new TiledDenoiser(net).denoise(pixels, 0);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
                if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
            System.out.printf("%s, %dx%dx%d: %.1f s, heap pools' peaks summed %d MiB of a %d MiB heap (%d values out)%n",
                    arch, c, h, w, seconds, peak >> 20, Runtime.getRuntime().maxMemory() >> 20, out.length);
        }
    }

    private TiledMemoryProbe() {}
}
