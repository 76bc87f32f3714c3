package cae.cli;

import cae.engine.select.Device;
import cae.engine.Engine;
import cae.engine.select.Engines;
import cae.engine.cpu.CpuEngine;
import cae.engine.cuda.CudaEngine;
import cae.profile.Nvtx;
import cae.profile.NvtxEngine;
import cae.profile.Ranges;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** The options that choose and tune an engine, shared by every command that computes. */
public final class EngineOptions {
    private final UnaryOperator<Engine> engines;

    EngineOptions(Streams streams) { this.engines = streams.engines(); }

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            converter = DeviceConverter.class,
            description = "Engine: cuda (GPU), cpu (pure Java), or auto: the GPU when the CUDA engine can run, else the CPU (default: ${DEFAULT-VALUE}).")
    Device device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU engine threads; 0 means all ${sys:cae.cores} cores (the default); at most 4 per core.")
    int threads;

    @Option(names = "--tf32", description = "CUDA engine: let cuDNN/cuBLAS use TF32 tensor cores (faster, ~1e-3 relative error).")
    boolean tf32;

    @Option(names = "--conv", defaultValue = "auto", paramLabel = "auto|cudnn|gemm",
            description = "CUDA engine convolutions: cuDNN, or im2col + cuBLAS SGEMM; auto takes cuDNN when it loads (default: ${DEFAULT-VALUE}).")
    String conv;

    @Option(names = "--fusion", defaultValue = "auto", paramLabel = "off|on|auto",
            description = "CUDA engine: fused paths (our kernels for the one-channel layers conv1 and logits, bias and ReLU included; "
                    + "cuDNN's convolution + bias + ReLU call or our direct convolution for the other layers' forward; the weight gradient with im2col folded in; the max-pool and resize "
                    + "backwards folded into the next kernel); auto times each against the unfused way per shape, as it will run, "
                    + "and keeps the faster (default: ${DEFAULT-VALUE}).")
    String fusion;

    @Option(names = "--no-graph", description = "CUDA engine: run each op as it comes instead of replaying a recorded CUDA graph per step (slower; for debugging and comparison).")
    boolean noGraph;

    @Option(names = "--profile-steps", paramLabel = "A:B",
            description = "Bracket training steps A to B-1 with cuProfilerStart/Stop, for nsys --capture-range=cudaProfilerApi or ncu --profile-from-start off (see docs/profiling.md).")
    String profileSteps;

    @Option(names = "--nvtx", description = "Name the run's phases (data loading, epochs, steps, evaluation, checkpoint writes) and, "
            + "where ops run one by one (the CPU engine, --no-graph), each op as NVTX ranges for Nsight Systems "
            + "(nsys profile --trace=cuda,nvtx). Needs the CUDA installation's NVTX library (CAE_NVTX_LIB names it); "
            + "without it this does nothing (-v says why).")
    boolean nvtx;

    @Option(names = {"-v", "--verbose"}, description = "Say which libraries were found and which path each op takes; "
            + "train also ends with the algorithms and fusions the CUDA engine chose, with their timings.")
    boolean verbose;

    static { System.setProperty("cae.cores", Integer.toString(Runtime.getRuntime().availableProcessors())); }

    /** The most CPU engine threads the command line takes per core the machine has. */
    static final int MAX_THREADS_PER_CORE = 4;

    int threadCount() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** The CUDA engine's options given on this command line, said to be ignored if the CPU engine runs. */
    private List<String> cudaOnly = List.of();

    void validate(picocli.CommandLine cmd) {
        cudaOnly = Stream.of("--tf32", "--conv", "--fusion", "--no-graph", "--profile-steps")
                .filter(cmd.getParseResult()::hasMatchedOption).toList();
        if (threads < 0) throw new picocli.CommandLine.ParameterException(cmd, "--threads must be 0 (all cores) or more, got " + threads);
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > MAX_THREADS_PER_CORE * cores)  // more only slows the engine down, and thousands never finish a step
            throw new picocli.CommandLine.ParameterException(cmd, "--threads " + threads + " is more than " + MAX_THREADS_PER_CORE
                    + " per core (this machine has " + cores + "); give at most " + MAX_THREADS_PER_CORE * cores + ", or 0 for all cores");
        if (profileSteps != null) profiledSteps(cmd);
        if (!conv.matches("auto|cudnn|gemm"))
            throw new picocli.CommandLine.ParameterException(cmd, "--conv must be auto, cudnn or gemm, got '" + conv + "'");
        if (!fusion.matches("off|on|auto"))
            throw new picocli.CommandLine.ParameterException(cmd, "--fusion must be off, on or auto, got '" + fusion + "'");
    }

    /** --profile-steps A:B as {A, B}, or null when not given. */
    long[] profiledSteps(picocli.CommandLine cmd) {
        if (profileSteps == null) return null;
        String[] parts = profileSteps.split(":", -1);
        try {
            if (parts.length == 2) {
                long from = Long.parseLong(parts[0].strip()), to = Long.parseLong(parts[1].strip());
                if (from >= 0 && to > from) return new long[] {from, to};
            }
        } catch (NumberFormatException ignored) {
            // the message below says what is expected
        }
        throw new picocli.CommandLine.ParameterException(cmd, "--profile-steps must be A:B with 0 <= A < B (steps A to B-1), got '" + profileSteps + "'");
    }

    private Ranges ranges;

    /** The ranges to name a run's phases with: NVTX's with --nvtx (when it loads), else none. Loaded once. */
    Ranges ranges(PrintStream log) {
        if (ranges == null) ranges = nvtx ? Nvtx.open(log, verbose) : Ranges.NONE;
        return ranges;
    }

    /**
     * The engine asked for. With --nvtx, each op is a range too where ops run as they are called (not
     * under CUDA graphs, whose kernels run in the step's graph launch, outside the ops' calls).
     */
    Engine open(PrintStream log) {
        Engine engine = Engines.open(new Engines.Request(device, threadCount(), tf32, conv, fusion, !noGraph, verbose), log);
        if (engine instanceof CpuEngine && !cudaOnly.isEmpty())
            log.println("note: " + String.join(", ", cudaOnly) + (cudaOnly.size() == 1 ? " is" : " are")
                    + " for the CUDA engine; the CPU engine runs without " + (cudaOnly.size() == 1 ? "it" : "them"));
        boolean replaysGraphs = engine instanceof CudaEngine && !noGraph;
        engine = engines.apply(engine);
        Ranges r = ranges(log);
        return r != Ranges.NONE && !replaysGraphs ? new NvtxEngine(engine, r) : engine;
    }

    static final class DeviceConverter implements picocli.CommandLine.ITypeConverter<Device> {
        @Override public Device convert(String value) {
            try {
                return Device.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
