package cae.engine.select;

import cae.engine.Engine;
import cae.engine.cuda.CudaEngine;
import cae.engine.cuda.CudaProbe;
import cae.engine.cuda.Fusion;

import java.io.PrintStream;

/**
 * Whether the CUDA engine can run on this machine, decided by {@link CudaProbe} before any JCudnn or
 * JCublas class is touched (a failed native load would poison them for the rest of the JVM).
 */
public final class CudaAvailability {
    private CudaAvailability() {}

    /** Null when the CUDA engine can run here, else the one-line reason it cannot. */
    public static String reasonUnavailable() {
        CudaProbe.Selection s = CudaProbe.probe();
        return s.available() ? null : s.reason();
    }

    static Engine open(Engines.Request request, PrintStream log) {
        CudaEngine.ConvPath conv = CudaEngine.ConvPath.valueOf(request.conv().toUpperCase());
        Fusion fusion = Fusion.valueOf(request.fusion().toUpperCase());
        CudaEngine engine = new CudaEngine(0, conv, request.tf32(), request.graphs(), fusion);
        if (request.verbose()) {
            log.println(CudaProbe.probe().info());
            log.println("convolution: " + engine.describeConvolution());
        }
        return engine;
    }

    /** The multi-line report for {@code info}. */
    public static String report() {
        CudaProbe.Selection s = CudaProbe.probe();
        return "cuda:    " + (s.available() ? "available" : "unavailable: " + s.reason()) + "\n" + s.info().strip();
    }
}
