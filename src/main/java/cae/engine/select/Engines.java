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
        if (request.device() == Device.CPU) return new CpuEngine(request.threads());
        String reason = CudaAvailability.reasonUnavailable();
        if (reason == null) return CudaAvailability.open(request, log);
        if (request.device() == Device.CUDA) throw new UnavailableException("--device cuda: " + reason);
        log.println("note: using the CPU engine: " + reason);
        return new CpuEngine(request.threads());
    }
}
