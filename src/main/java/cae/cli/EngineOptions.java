package cae.cli;

import cae.engine.select.Device;
import cae.engine.Engine;
import cae.engine.select.Engines;
import cae.engine.cpu.CpuEngine;
import cae.engine.cuda.CudaEngine;
import cae.profile.Nvtx;
import cae.profile.NvtxEngine;
import cae.profile.Ranges;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The options that choose and tune an engine, shared by every command that computes: the engine and
 * its threads, and the CUDA engine's options under a heading of their own ({@link Gpu}, details in
 * docs/gpu-options.md). A command takes {@link Plain}, or {@link Profiled} where it trains step by step
 * and --profile-steps acts.
 */
public abstract sealed class EngineOptions permits EngineOptions.Plain, EngineOptions.Profiled {
    /** The heading of the GPU options in a command's --help. */
    static final String GPU_HEADING = "%nGPU (CUDA engine; details in docs/gpu-options.md):%n";

    private final UnaryOperator<Engine> engines;

    EngineOptions(Streams streams) { this.engines = streams.engines(); }

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda", converter = DeviceConverter.class,
            description = "Engine (default: auto, the GPU if it can run)")
    Device device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU engine threads; 0: all ${sys:cae.cores} cores (default)")
    int threads;

    @Option(names = {"-v", "--verbose"}, description = "Say which libraries load, which path ops take")
    boolean verbose;

    /** The CUDA engine's options given to this command. */
    abstract Gpu gpu();

    /** Eval, denoise and compare: the GPU options that act on every computation, training and inference. */
    static final class Plain extends EngineOptions {
        Plain(Streams streams) { super(streams); }

        @ArgGroup(validate = false, heading = GPU_HEADING) Gpu gpu = new Gpu();

        @Override Gpu gpu() { return gpu; }
    }

    /** Train and bench: those and --profile-steps, which brackets training steps for a profiler. */
    static final class Profiled extends EngineOptions {
        Profiled(Streams streams) { super(streams); }

        @ArgGroup(validate = false, heading = GPU_HEADING) ProfiledGpu gpu = new ProfiledGpu();

        @Override Gpu gpu() { return gpu; }
    }

    /**
     * The CUDA engine's options, one short line each in --help (docs/gpu-options.md says more). The
     * fields' initial values are the defaults: picocli leaves a group that no option of it matched as
     * it is.
     */
    static class Gpu {
        @Option(names = "--tf32", description = "TF32 tensor cores: faster, ~1e-3 relative error")
        boolean tf32;

        @Option(names = "--conv", defaultValue = "auto", paramLabel = "auto|cudnn|gemm",
                description = "Convolutions by cuDNN or im2col + cuBLAS")
        String conv = "auto";

        @Option(names = "--fusion", defaultValue = "auto", paramLabel = "off|on|auto",
                description = "Fused kernels; auto keeps the faster per shape")
        String fusion = "auto";

        @Option(names = "--no-graph", description = "Run ops one by one, not as a CUDA graph")
        boolean noGraph;

        @Option(names = "--nvtx", description = "Name phases and ops for Nsight Systems")
        boolean nvtx;

        /** --profile-steps' text, where the command takes it. */
        String profileSteps() { return null; }
    }

    static final class ProfiledGpu extends Gpu {
        @Option(names = "--profile-steps", paramLabel = "A:B", description = "cuProfilerStart/Stop around steps A to B-1")
        String profileSteps;

        @Override String profileSteps() { return profileSteps; }
    }

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
        if (gpu().profileSteps() != null) profiledSteps(cmd);
        if (!gpu().conv.matches("auto|cudnn|gemm"))
            throw new picocli.CommandLine.ParameterException(cmd, "--conv must be auto, cudnn or gemm, got '" + gpu().conv + "'");
        if (!gpu().fusion.matches("off|on|auto"))
            throw new picocli.CommandLine.ParameterException(cmd, "--fusion must be off, on or auto, got '" + gpu().fusion + "'");
    }

    /** --profile-steps A:B as {A, B}, or null when not given. */
    long[] profiledSteps(picocli.CommandLine cmd) {
        String profileSteps = gpu().profileSteps();
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
        if (ranges == null) ranges = gpu().nvtx ? Nvtx.open(log, verbose) : Ranges.NONE;
        return ranges;
    }

    /**
     * The engine asked for. With --nvtx, each op is a range too where ops run as they are called (not
     * under CUDA graphs, whose kernels run in the step's graph launch, outside the ops' calls).
     */
    Engine open(PrintStream log) {
        Engine engine = Engines.open(new Engines.Request(device, threadCount(), gpu().tf32, gpu().conv, gpu().fusion, !gpu().noGraph, verbose), log);
        if (engine instanceof CpuEngine && !cudaOnly.isEmpty())
            log.println("note: " + String.join(", ", cudaOnly) + (cudaOnly.size() == 1 ? " is" : " are")
                    + " for the CUDA engine; the CPU engine runs without " + (cudaOnly.size() == 1 ? "it" : "them"));
        boolean replaysGraphs = engine instanceof CudaEngine && !gpu().noGraph;
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
