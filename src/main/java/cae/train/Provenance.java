package cae.train;

import cae.engine.Engine;
import cae.engine.ForwardingEngine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a run's results come from (docs/SPEC.md §5.1): the program's version and git commit, the Java
 * runtime, the operating system, the CPU and, when the CUDA engine runs, the GPU, the engine with its
 * settings, and when the run started. The model file, the checkpoint and metrics.json record it under
 * the same keys; files written before it lack them and read as before.
 */
public record Provenance(String version, String commit, String java, String os, String cpu, String gpu, String engine, Instant started) {
    /** Metadata keys. */
    public static final String VERSION = "program_version", COMMIT = "program_commit", JAVA = "java", OS = "os", CPU = "cpu",
            GPU = "gpu", ENGINE = "engine", STARTED = "started", FINISHED = "finished";

    /** What the build recorded (src/main/build/build-info.sh); "unknown" for a value it could not know. */
    public record Build(String version, String commit) {
        private static final Build CURRENT = read();

        public static Build current() { return CURRENT; }

        private static Build read() {
            Properties p = new Properties();
            try (InputStream in = Provenance.class.getResourceAsStream("/cae/build.properties")) {
                if (in != null) p.load(in);
            } catch (IOException e) {
                // a classpath without the generated file (compiled by an IDE, not Maven): nothing is known
            }
            return new Build(p.getProperty("version", "unknown"), p.getProperty("commit", "unknown"));
        }
    }

    /** This process's provenance for a run on {@code engine} that started at {@code started}. */
    public static Provenance of(Engine engine, Instant started) {
        Build build = Build.current();
        return new Provenance(build.version(), build.commit(), javaRuntime(), operatingSystem(), cpuName(),
                gpuName(ForwardingEngine.innermost(engine).describe()), engine.describe(), started);
    }

    /** The keys of the model file's and the checkpoint's metadata (and of metrics.json); no gpu on the CPU engine. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(VERSION, version);
        m.put(COMMIT, commit);
        m.put(JAVA, java);
        m.put(OS, os);
        m.put(CPU, cpu);
        if (gpu != null) m.put(GPU, gpu);
        m.put(ENGINE, engine);
        m.put(STARTED, started.toString());
        return m;
    }

    /** "17.0.12 (Eclipse Adoptium, OpenJDK 64-Bit Server VM)". */
    public static String javaRuntime() {
        return Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.vm.name") + ")";
    }

    /** "Linux 6.8.0 amd64". */
    public static String operatingSystem() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }

    /** This machine's CPU, as {@link #cpuName(Path)} reads it from /proc/cpuinfo. */
    public static String cpuName() { return cpuName(Path.of("/proc/cpuinfo")); }

    /**
     * The CPU's model name as {@code cpuinfo} (Linux's /proc/cpuinfo) gives it, with the cores this JVM
     * may use; where the file is absent or names no model, the architecture instead.
     */
    static String cpuName(Path cpuinfo) {
        String name = null;
        try {
            if (Files.isReadable(cpuinfo))
                name = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).filter(s -> !s.isEmpty()).findFirst().orElse(null);
        } catch (IOException | RuntimeException unreadable) {
            // named by its architecture below
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return (name != null ? name : System.getProperty("os.arch")) + ", " + cores + " core" + (cores == 1 ? "" : "s");
    }

    /**
     * The CUDA engine describes itself as "cuda engine, device N (NAME), ...". Read from there rather
     * than by the engine's class, whose loading needs the CUDA bindings an application may not have.
     */
    private static final Pattern CUDA_DEVICE = Pattern.compile("^cuda engine, device \\d+ \\((.+?)\\)");

    /** The GPU's name when the innermost engine describes itself as the CUDA engine, else null. */
    static String gpuName(String engineDescription) {
        Matcher m = CUDA_DEVICE.matcher(engineDescription);
        return m.find() ? m.group(1) : null;
    }
}
