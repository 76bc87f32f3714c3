package cae.profile;

import cae.engine.cuda.CudaLibraries;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Ranges as NVTX ranges ({@code nvtxRangePushA} / {@code nvtxRangePop}), which Nsight Systems shows on
 * its timeline and sums up by name ({@code nsys stats --report nvtx_sum}). NVTX comes from the CUDA
 * installation: CUDA 13's {@code libnvtx3interop.so.1} or the {@code libnvToolsExt.so.1} of earlier
 * ones, found by {@link CudaLibraries#nvtx} and called through a small native shim this build makes
 * (resource {@value #SHIM}). Without the library or the shim, {@code --nvtx} does nothing, and says
 * why with {@code -v}. Outside a profiler NVTX's calls return at once.
 */
public final class Nvtx implements Ranges {
    static final String SHIM = "cae/nvtx/libcae-nvtx.so";

    private static boolean shimLoaded;

    private Nvtx() {}

    /** NVTX's ranges through the library this machine has, or {@link Ranges#NONE}; with {@code verbose}, one line on {@code log} saying which. */
    public static Ranges open(PrintStream log, boolean verbose) {
        return open(CudaLibraries.nvtx(), log, verbose);
    }

    /** The same with {@code library} (null: none found). */
    static synchronized Ranges open(Path library, PrintStream log, boolean verbose) {
        String problem = library == null
                ? "no NVTX library found (libnvtx3interop.so.1 or libnvToolsExt.so.1; CAE_NVTX_LIB names one)"
                : loadShim();
        if (problem == null) {
            String bindError = bind(library.toAbsolutePath().toString());
            if (bindError != null) problem = "cannot use " + library + ": " + bindError;
        }
        if (problem != null) {
            if (verbose) log.println("nvtx: " + problem + "; --nvtx ranges are off");
            return NONE;
        }
        if (verbose) log.println("nvtx: ranges through " + library);
        return new Nvtx();
    }

    /** Loads the shim once per JVM; null when it is loaded, else why not. */
    private static String loadShim() {
        if (shimLoaded) return null;
        try (InputStream in = Nvtx.class.getResourceAsStream("/" + SHIM)) {
            if (in == null) return "this build has no NVTX shim (" + SHIM + ": it was built without gcc)";
            Path file = Files.createTempFile("cae-nvtx-", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toAbsolutePath().toString());
            shimLoaded = true;
            return null;
        } catch (IOException | LinkageError e) {
            return "the NVTX shim does not load: " + e.getMessage();
        }
    }

    @Override public void push(String name) { rangePush(name); }

    @Override public void pop() { rangePop(); }

    /** Binds NVTX's functions from {@code library}; null when done, else why not. */
    private static native String bind(String library);

    private static native void rangePush(String name);

    private static native void rangePop();
}
