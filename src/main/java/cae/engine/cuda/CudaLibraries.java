package cae.engine.cuda;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the NVIDIA libraries the CUDA engine needs live on this machine: the driver
 * ({@code libcuda.so.1}), cuDNN ({@code libcudnn.so.9} or {@code .8}) and cuBLAS ({@code libcublas.so.13}
 * or {@code .12}). Only the file system is searched; nothing is loaded here.
 *
 * <p>Search order, first hit wins: the override variables ({@code CAE_CUDNN_LIB}, {@code CAE_CUBLAS_LIB},
 * {@code CAE_CUDA_DRIVER_LIB}, each the library file or its directory; {@code GPU_CUDNN_LIB} and
 * {@code GPU_CUBLAS_LIB} are accepted too), the {@code LD_LIBRARY_PATH} entries, the usual system
 * directories, and the {@code nvidia/cudnn/lib} and {@code nvidia/cublas/lib} folders of pip-installed
 * NVIDIA wheels in Python's site directories. Within one directory the newer major version wins.
 */
public record CudaLibraries(Path driver, Found cudnn, Found cublas) {

    /** A library file and the major version its name says (9 or 8 for cuDNN, 13 or 12 for cuBLAS). */
    public record Found(Path file, int major) {
        public Path directory() { return file.getParent(); }
        @Override public String toString() { return file + " (major " + major + ")"; }
    }

    static final String DRIVER = "libcuda.so.1";
    static final int[] CUDNN_MAJORS = {9, 8};
    static final int[] CUBLAS_MAJORS = {13, 12};

    /** The search on this machine, from this process's environment. */
    public static CudaLibraries locate() {
        return locate(System.getenv(), pythonSiteDirectories());
    }

    /** The search with a given environment and site directories (tests pass their own). */
    static CudaLibraries locate(Map<String, String> env, List<Path> siteDirs) {
        List<Path> common = new ArrayList<>();
        common.addAll(pathList(env.get("LD_LIBRARY_PATH")));
        common.addAll(systemDirectories());

        Path driver = findDriver(env, common);
        List<Path> cudnnDirs = new ArrayList<>(common);
        List<Path> cublasDirs = new ArrayList<>(common);
        for (Path site : siteDirs) {
            cudnnDirs.add(site.resolve("nvidia/cudnn/lib"));
            cublasDirs.add(site.resolve("nvidia/cublas/lib"));
        }
        Found cudnn = find(env, cudnnDirs, "libcudnn.so.", CUDNN_MAJORS, "CAE_CUDNN_LIB", "GPU_CUDNN_LIB");
        Found cublas = find(env, cublasDirs, "libcublas.so.", CUBLAS_MAJORS, "CAE_CUBLAS_LIB", "GPU_CUBLAS_LIB");
        return new CudaLibraries(driver, cudnn, cublas);
    }

    /** NVTX's library, CUDA 13's (NVTX 3) first, then the one CUDA 12 and earlier ship. */
    static final String[] NVTX = {"libnvtx3interop.so.1", "libnvToolsExt.so.1"};

    /**
     * The NVTX library for {@code --nvtx}, or null: {@code CAE_NVTX_LIB} (the file or its folder), then
     * the folders searched for the others, each CUDA installation's {@code lib/} (where CUDA 13 puts
     * it) and the wheels' {@code nvidia/cu13/lib} and {@code nvidia/nvtx/lib}.
     */
    public static Path nvtx() { return nvtx(System.getenv(), pythonSiteDirectories()); }

    static Path nvtx(Map<String, String> env, List<Path> siteDirs) {
        Path given = override(env, "CAE_NVTX_LIB");
        if (given != null && Files.isRegularFile(given)) return given;
        List<Path> dirs = new ArrayList<>();
        if (given != null) dirs.add(given);
        dirs.addAll(pathList(env.get("LD_LIBRARY_PATH")));
        dirs.addAll(systemDirectories());
        for (Path dir : systemDirectories())
            if (dir.endsWith("lib64")) dirs.add(dir.resolveSibling("lib"));
        for (Path site : siteDirs) {
            dirs.add(site.resolve("nvidia/cu13/lib"));
            dirs.add(site.resolve("nvidia/nvtx/lib"));
        }
        for (Path dir : dirs)
            for (String name : NVTX)
                if (Files.exists(dir.resolve(name))) return dir.resolve(name);
        return null;
    }

    private static Found find(Map<String, String> env, List<Path> dirs, String prefix, int[] majors, String... overrides) {
        for (String name : overrides) {
            Path given = override(env, name);
            if (given == null) continue;
            if (Files.isRegularFile(given)) {
                int major = majorOf(given.getFileName().toString(), prefix);
                if (major > 0) return new Found(given, major);
            }
            Found inDir = findIn(given, prefix, majors);
            if (inDir != null) return inDir;
        }
        for (Path dir : dirs) {
            Found f = findIn(dir, prefix, majors);
            if (f != null) return f;
        }
        return null;
    }

    private static Found findIn(Path dir, String prefix, int[] majors) {
        for (int major : majors) {
            Path file = dir.resolve(prefix + major);
            if (Files.exists(file)) return new Found(file, major);
        }
        return null;
    }

    /** The major version in a name like libcudnn.so.9 or libcudnn.so.9.1.0; 0 when there is none. */
    static int majorOf(String fileName, String prefix) {
        if (!fileName.startsWith(prefix)) return 0;
        String rest = fileName.substring(prefix.length());
        int dot = rest.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Path override(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : Paths.get(value.trim());
    }

    private static Path findDriver(Map<String, String> env, List<Path> dirs) {
        Path given = override(env, "CAE_CUDA_DRIVER_LIB");
        if (given != null && Files.isRegularFile(given)) return given;
        List<Path> all = new ArrayList<>();
        if (given != null) all.add(given);
        all.addAll(dirs);
        for (Path dir : all) if (Files.exists(dir.resolve(DRIVER))) return dir.resolve(DRIVER);
        return null;
    }

    private static List<Path> pathList(String value) {
        List<Path> dirs = new ArrayList<>();
        if (value == null) return dirs;
        for (String part : value.split(File.pathSeparator)) if (!part.isBlank()) dirs.add(Paths.get(part));
        return dirs;
    }

    private static List<Path> systemDirectories() {
        List<Path> dirs = new ArrayList<>();
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/wsl/lib"})
            dirs.add(Paths.get(d));
        // /usr/local/cuda-13.0 and the like, newest first
        File[] versions = new File("/usr/local").listFiles((dir, name) -> name.startsWith("cuda-"));
        if (versions != null) {
            java.util.Arrays.sort(versions, (a, b) -> b.getName().compareTo(a.getName()));
            for (File v : versions) {
                dirs.add(v.toPath().resolve("lib64"));
                dirs.add(v.toPath().resolve("targets/x86_64-linux/lib"));
            }
        }
        return dirs;
    }

    /** Python site directories that may hold NVIDIA wheels (nvidia/cudnn/lib, nvidia/cublas/lib). */
    static List<Path> pythonSiteDirectories() {
        Set<Path> sites = new LinkedHashSet<>();
        String venv = System.getenv("VIRTUAL_ENV");
        List<Path> roots = new ArrayList<>();
        if (venv != null) roots.add(Paths.get(venv, "lib"));
        roots.add(Paths.get(System.getProperty("user.home"), ".local/lib"));
        roots.add(Paths.get("/usr/local/lib"));
        roots.add(Paths.get("/usr/lib"));
        roots.add(Paths.get("/opt/conda/lib"));
        for (Path root : roots) {
            File[] pythons = root.toFile().listFiles((dir, name) -> name.startsWith("python3"));
            if (pythons == null) continue;
            for (File p : pythons) {
                sites.add(p.toPath().resolve("site-packages"));
                sites.add(p.toPath().resolve("dist-packages"));
            }
        }
        sites.add(Paths.get("/usr/lib/python3/dist-packages"));
        return new ArrayList<>(sites);
    }

    /** Sub-libraries of a cuDNN 9 install next to its dispatcher (graph, ops, cnn, adv, engines, heuristic). */
    static List<Path> cudnnSubLibraries(Found cudnn) {
        List<Path> subs = new ArrayList<>();
        if (cudnn == null || cudnn.major() < 9) return subs;
        String suffix = ".so." + cudnn.major();
        File[] files = cudnn.directory().toFile().listFiles((dir, name) -> name.startsWith("libcudnn_") && name.endsWith(suffix));
        if (files == null) return subs;
        java.util.Arrays.sort(files);
        for (File f : files) subs.add(f.toPath());
        return subs;
    }

    /** The cuBLASLt library next to cuBLAS (libcublas needs it), or null. */
    static Path cublasLt(Found cublas) {
        if (cublas == null) return null;
        Path lt = cublas.directory().resolve("libcublasLt.so." + cublas.major());
        return Files.exists(lt) ? lt : null;
    }

    /** What was found, one line per library. */
    public String describe() {
        return "driver: " + (driver == null ? "not found (" + DRIVER + ")" : driver) + "\n"
                + "cuDNN:  " + (cudnn == null ? "not found (libcudnn.so.9 / libcudnn.so.8)" : cudnn) + "\n"
                + "cuBLAS: " + (cublas == null ? "not found (libcublas.so.13 / libcublas.so.12)" : cublas);
    }
}
