package cae.engine.cuda;

import jcuda.JCudaVersion;
import jcuda.LibUtils;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads the JCuda natives and the NVIDIA libraries behind them, once per JVM, in an order that never
 * leaves a JCuda class half-initialised: each native is first {@code System.load}ed by this class
 * (a failure there is an ordinary, recoverable {@link UnsatisfiedLinkError}), and only then is the
 * JCuda class touched, whose own loader finds the same file already loaded.
 *
 * <p>Why the detours (see docs/jcuda-native-libraries.md):
 * <ul>
 * <li>JCuda extracts natives to {@code java.io.tmpdir} and reuses any file already there unchecked, so
 *     a stale native of another version would load silently. Every native goes to a fresh private
 *     directory, and {@code java.io.tmpdir} points there while the JCuda classes initialise.</li>
 * <li>JCudnn 11.7.0 asks for its native under JCuda's version (12.6.0), which no jar contains; the
 *     11.7.0 native is extracted under that name.</li>
 * <li>JCudnn and JCublas2 link against {@code libcudnn.so.8} and {@code libcublas.so.12}. Where only
 *     cuDNN 9 / cuBLAS 13 exist, the bridge libraries this build makes (resources {@code cae/bridge/})
 *     are loaded first; they carry the old SONAMEs and forward every call to the new library.</li>
 * <li>NVIDIA libraries outside the loader's search path (pip wheels) are loaded by absolute path
 *     first, so that later lookups by SONAME find them already in the process.</li>
 * </ul>
 */
final class NativeLoader {
    static final String BRIDGE_CUDNN = "cae/bridge/libcae-cudnn8-bridge.so";
    static final String BRIDGE_CUBLAS = "cae/bridge/libcae-cublas12-bridge.so";
    /** The JCudnn native that Maven Central has (the version of the jcudnn-natives artifact). */
    static final String JCUDNN_NATIVE_VERSION = "11.7.0";

    private static NativeLoader loaded;

    final CudaLibraries libraries;
    /** Null when the part loaded; otherwise the one-line reason it did not. */
    final String driverError, cudnnError, cublasError;
    /** How cuDNN and cuBLAS are reached: "direct" or "bridge to ...". */
    final String cudnnRoute, cublasRoute;
    private final Path directory;

    private NativeLoader(CudaLibraries libraries) {
        this.libraries = libraries;
        Path dir = null;
        String setupError = null;
        try {
            dir = Files.createTempDirectory("cae-jcuda-");
            deleteOnExit(dir);
        } catch (IOException e) {
            setupError = "cannot create a directory for the JCuda natives: " + e.getMessage();
        }
        directory = dir;
        if (setupError != null) {
            driverError = cudnnError = cublasError = setupError;
            cudnnRoute = cublasRoute = "none";
            return;
        }
        // the cuBLAS and cuDNN natives need only their libraries to load (not the driver), which is
        // what lets the bridge tests run them on machines without a GPU
        driverError = loadDriver();
        String[] cublas = loadCublas();
        cublasError = cublas[0]; cublasRoute = cublas[1];
        String[] cudnn = loadCudnn();
        cudnnError = cudnn[0]; cudnnRoute = cudnn[1];
    }

    /** Loads everything that can be loaded on this machine, once; later calls return the same result. */
    static synchronized NativeLoader load(CudaLibraries libraries) {
        if (loaded == null) loaded = new NativeLoader(libraries);
        return loaded;
    }

    /** The loader of this JVM; only valid after {@link #load}. */
    static synchronized NativeLoader loaded() {
        if (loaded == null) throw new IllegalStateException("the CUDA natives were not probed yet");
        return loaded;
    }

    // ---- the three parts ----

    private String loadDriver() {
        if (libraries.driver() == null) return "no NVIDIA driver (" + CudaLibraries.DRIVER + " not found)";
        try {
            System.load(libraries.driver().toAbsolutePath().toString());
            System.load(extract("JCudaDriver", JCudaVersion.get()).toString());
            initialiseJCuda(() -> JCudaDriver.setExceptionsEnabled(false));
            return null;
        } catch (IOException | LinkageError e) {
            return "the JCuda driver native does not load: " + firstLine(e);
        }
    }

    private String[] loadCublas() {
        CudaLibraries.Found cublas = libraries.cublas();
        if (cublas == null) return new String[] {"cuBLAS not found (libcublas.so.13 / libcublas.so.12)", "none"};
        try {
            Path lt = CudaLibraries.cublasLt(cublas);
            if (lt != null) System.load(lt.toAbsolutePath().toString());
            System.load(cublas.file().toAbsolutePath().toString());
            String route = "direct";
            if (cublas.major() != 12) {
                System.load(extractBridge(BRIDGE_CUBLAS).toString());
                route = "bridge libcublas.so.12 -> " + cublas.file().getFileName();
            }
            System.load(extract("JCublas2", JCudaVersion.get()).toString());
            initialiseJCuda(() -> JCublas2.setExceptionsEnabled(false));
            return new String[] {null, route};
        } catch (IOException | LinkageError e) {
            return new String[] {"cuBLAS does not load: " + firstLine(e), "none"};
        }
    }

    private String[] loadCudnn() {
        CudaLibraries.Found cudnn = libraries.cudnn();
        if (cudnn == null) return new String[] {"cuDNN not found (libcudnn.so.9 / libcudnn.so.8)", "none"};
        try {
            loadInAnyOrder(CudaLibraries.cudnnSubLibraries(cudnn));
            System.load(cudnn.file().toAbsolutePath().toString());
            String route = "direct";
            if (cudnn.major() != 8) {
                System.load(extractBridge(BRIDGE_CUDNN).toString());
                route = "bridge libcudnn.so.8 -> " + cudnn.file().getFileName();
            }
            System.load(extract("JCudnn", JCUDNN_NATIVE_VERSION).toString());
            initialiseJCuda(() -> JCudnn.setExceptionsEnabled(false));
            return new String[] {null, route};
        } catch (IOException | LinkageError e) {
            return new String[] {"cuDNN does not load: " + firstLine(e), "none"};
        }
    }

    /**
     * Loads libraries that depend on each other in an unknown order: each round loads whatever now
     * resolves, until a round makes no progress. What never loads is left to the dispatcher.
     */
    private static void loadInAnyOrder(List<Path> libs) {
        List<Path> left = new ArrayList<>(libs);
        boolean progress = true;
        while (!left.isEmpty() && progress) {
            progress = false;
            for (var it = left.iterator(); it.hasNext(); ) {
                Path lib = it.next();
                try {
                    System.load(lib.toAbsolutePath().toString());
                    it.remove();
                    progress = true;
                } catch (UnsatisfiedLinkError e) {
                    // a dependency is not loaded yet; try again next round
                }
            }
        }
    }

    // ---- files ----

    /**
     * Copies JCuda native {@code base} of version {@code version} from the classpath into the private
     * directory under the name JCuda will look for (always JCuda's own version).
     */
    private Path extract(String base, String version) throws IOException {
        String wanted = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(base + "-" + JCudaVersion.get()));
        String resource = "/lib/" + LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(base + "-" + version));
        return copyResource(resource, directory.resolve(wanted));
    }

    private Path extractBridge(String resource) throws IOException {
        if (NativeLoader.class.getResource("/" + resource) == null)
            throw new IOException("the bridge " + resource + " is not on the classpath (the build had no gcc)");
        return copyResource("/" + resource, directory.resolve(Path.of(resource).getFileName()));
    }

    private static Path copyResource(String resource, Path target) throws IOException {
        if (Files.exists(target)) return target;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no resource " + resource + " on the classpath");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        target.toFile().deleteOnExit();
        return target;
    }

    /** Runs a JCuda class's first use with java.io.tmpdir pointing at the private directory. */
    private synchronized void initialiseJCuda(Runnable firstUse) {
        String saved = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", directory.toString());
        try {
            firstUse.run();
        } finally {
            System.setProperty("java.io.tmpdir", saved);
        }
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: the directory is under the system temporary directory
            }
        }));
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
