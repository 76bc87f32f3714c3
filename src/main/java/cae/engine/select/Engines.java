package cae.engine.select;

import cae.engine.Engine;
import cae.engine.cpu.CpuEngine;

import java.io.PrintStream;

/** Opens the engine a user asked for, falling back from auto to the CPU with a one-line reason. */
public final class Engines {
    private Engines() {}

    /**
     * What the user asked for. CUDA only: {@code conv} is auto, cudnn or gemm, {@code fusion} off, on or
     * auto (the project's fused kernels), {@code graphs} steps as CUDA graphs.
     */
    public record Request(Device device, int threads, boolean tf32, String conv, String fusion, boolean graphs, boolean verbose) {}

    /** Thrown when --device cuda was asked for and the CUDA engine cannot run here. */
    public static final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) { super(message); }
    }

    public static Engine open(Request request, PrintStream log) {
        if (request.device() == Device.CPU) return cpu(request.threads(), log);
        String reason = CudaAvailability.reasonUnavailable();
        if (reason == null) return CudaAvailability.open(request, log);
        if (request.device() == Device.CUDA) throw new UnavailableException("--device cuda: " + reason);
        log.println("note: using the CPU engine: " + reason);
        return cpu(request.threads(), log);
    }

    /** The CPU engine, with one note when the JVM lacks the Vector API and it runs its plain loops. */
    private static Engine cpu(int threads, PrintStream log) {
        if (!CpuEngine.vectorsAvailable())
            log.println("note: the CPU engine runs plain loops, several times slower: " + CpuEngine.HOW_TO_ENABLE_VECTORS);
        return new CpuEngine(threads);
    }
}
