package cae.api;

import cae.engine.Engine;
import cae.engine.select.CudaAvailability;
import cae.engine.select.Engines;

import java.io.PrintStream;

/**
 * Which engine runs a model or a training run, with the command line's defaults: {@link Device#AUTO}
 * on all cores, and on the GPU strict FP32, CUDA graphs, convolutions and fusion chosen by timing.
 * Immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * EngineSettings cpu = EngineSettings.builder().device(Device.CPU).threads(4).build();
 * }</pre>
 *
 * <p>The GPU needs the CUDA bindings on the class path (JCuda, JCublas and JCudnn: the README's
 * "Use from Java" names them); without them {@link Device#AUTO} runs on the CPU with a note.
 */
public final class EngineSettings {
    private static final EngineSettings DEFAULTS = builder().build();
    /** One class from each binding: the CUDA engine needs all three. */
    private static final String[] CUDA_BINDINGS = {"jcuda.driver.JCudaDriver", "jcuda.jcublas.JCublas2", "jcuda.jcudnn.JCudnn"};

    private final Device device;
    private final int threads;
    private final boolean tf32, cudaGraphs;
    private final String convolution, fusion;

    private EngineSettings(Builder b) {
        device = b.device;
        threads = b.threads;
        tf32 = b.tf32;
        cudaGraphs = b.cudaGraphs;
        convolution = b.convolution;
        fusion = b.fusion;
    }

    /** The command line's defaults. */
    public static EngineSettings defaults() { return DEFAULTS; }

    /** Settings starting from the defaults. */
    public static Builder builder() { return new Builder(); }

    /** Where to run ({@code --device}). */
    public Device device() { return device; }

    /** CPU engine threads; 0 means all cores ({@code --threads}). */
    public int threads() { return threads; }

    /** CUDA engine: TF32 tensor cores in cuDNN and cuBLAS ({@code --tf32}). */
    public boolean tf32() { return tf32; }

    /** CUDA engine: each step recorded once as a CUDA graph and replayed ({@code --no-graph} turns it off). */
    public boolean cudaGraphs() { return cudaGraphs; }

    /** CUDA engine convolutions: auto, cudnn or gemm ({@code --conv}). */
    public String convolution() { return convolution; }

    /** CUDA engine fused kernels: off, on or auto ({@code --fusion}). */
    public String fusion() { return fusion; }

    @Override public String toString() {
        return "device " + device.name().toLowerCase() + ", threads " + (threads == 0 ? "all" : threads) + ", tf32 " + tf32
                + ", cuda graphs " + cudaGraphs + ", convolution " + convolution + ", fusion " + fusion;
    }

    /**
     * Opens the engine as {@code --device} does: {@code log} gets the notes (the CPU fallback and its
     * reason, the plain loops of a JVM without the Vector API).
     *
     * @throws IllegalStateException for {@link Device#CUDA} where the CUDA engine cannot run
     */
    Engine open(PrintStream log) {
        cae.engine.select.Device wanted = switch (device) {
            case AUTO -> cae.engine.select.Device.AUTO;
            case CPU -> cae.engine.select.Device.CPU;
            case CUDA -> cae.engine.select.Device.CUDA;
        };
        if (wanted != cae.engine.select.Device.CPU && !bindingsPresent()) {
            // Decided before the engine selection touches a JCuda class, which would fail with NoClassDefFoundError.
            String reason = "the CUDA bindings (org.jcuda:jcuda, jcublas, jcudnn) are not on the class path";
            if (wanted == cae.engine.select.Device.CUDA) throw new IllegalStateException("the CUDA engine cannot run here: " + reason);
            log.println("note: using the CPU engine: " + reason);
            wanted = cae.engine.select.Device.CPU;
        }
        if (wanted == cae.engine.select.Device.CUDA) {
            String reason = CudaAvailability.reasonUnavailable();
            if (reason != null) throw new IllegalStateException("the CUDA engine cannot run here: " + reason);
        }
        int threadCount = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return Engines.open(new Engines.Request(wanted, threadCount, tf32, convolution, fusion, cudaGraphs, false), log);
    }

    private static boolean bindingsPresent() {
        try {
            for (String name : CUDA_BINDINGS) Class.forName(name, false, EngineSettings.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Builds {@link EngineSettings}; every setting starts at the command line's default. */
    public static final class Builder {
        private Device device = Device.AUTO;
        private int threads;
        private boolean tf32, cudaGraphs = true;
        private String convolution = "auto", fusion = "auto";

        private Builder() {}

        /** Where to run; default {@link Device#AUTO}. */
        public Builder device(Device device) {
            if (device == null) throw new IllegalArgumentException("device must be given");
            this.device = device;
            return this;
        }

        /** CPU engine threads; 0 (the default) means all cores. */
        public Builder threads(int threads) {
            if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or more, got " + threads);
            this.threads = threads;
            return this;
        }

        /** CUDA engine: let cuDNN and cuBLAS use TF32 tensor cores (faster, about 1e-3 relative error); default off. */
        public Builder tf32(boolean on) {
            tf32 = on;
            return this;
        }

        /** CUDA engine: replay each step as a recorded CUDA graph; default on. */
        public Builder cudaGraphs(boolean on) {
            cudaGraphs = on;
            return this;
        }

        /** CUDA engine convolutions: {@code "auto"} (the default), {@code "cudnn"} or {@code "gemm"}. */
        public Builder convolution(String way) {
            convolution = oneOf("convolution", way, "auto", "cudnn", "gemm");
            return this;
        }

        /** CUDA engine fused kernels: {@code "off"}, {@code "on"} or {@code "auto"} (the default). */
        public Builder fusion(String way) {
            fusion = oneOf("fusion", way, "off", "on", "auto");
            return this;
        }

        public EngineSettings build() { return new EngineSettings(this); }

        private static String oneOf(String setting, String value, String... allowed) {
            for (String a : allowed) if (a.equals(value)) return value;
            throw new IllegalArgumentException(setting + " must be " + String.join(", ", allowed) + "; got '" + value + "'");
        }
    }
}
