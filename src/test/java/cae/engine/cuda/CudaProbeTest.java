package cae.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaProbeTest {

    @Test
    void withoutDriverTheProbeSaysSoInOneLine() {
        CudaLibraries none = CudaLibraries.locate(Map.of(), List.of());
        assumeTrue(none.driver() == null, "this machine has an NVIDIA driver in a system directory");
        CudaProbe.Selection s = CudaProbe.run(none, true);
        assertFalse(s.available());
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", s.reason());
        assertTrue(s.info().contains("CUDA engine: unavailable, no NVIDIA driver"), s.info());
    }

    @Test
    void missingKernelsAreNamedWhenTheDriverExists(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        // only the file has to exist: the kernels are checked before any native is loaded
        Files.createFile(dir.resolve("libcuda.so.1"));
        CudaLibraries libs = CudaLibraries.locate(Map.of("CAE_CUDA_DRIVER_LIB", dir.toString()), List.of());
        CudaProbe.Selection s = CudaProbe.run(libs, false);
        assertFalse(s.available());
        assertTrue(s.reason().startsWith("no CUDA kernels (cae/kernels/cae_kernels.fatbin"), s.reason());
        assertFalse(s.reason().contains("\n"));
    }

    @Test
    void missingCudnnAndCublasAreNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("libcuda.so.1"));
        CudaLibraries libs = new CudaLibraries(dir.resolve("libcuda.so.1"), null, null);
        CudaProbe.Selection s = CudaProbe.run(libs, true);
        assertFalse(s.available());
        assertTrue(s.reason().contains("neither cuDNN") && s.reason().contains("nor cuBLAS"), s.reason());
    }

    @Test
    void onThisMachineTheProbeAnswersQuicklyWithAReason() {
        long start = System.nanoTime();
        CudaProbe.Selection s = CudaProbe.probe();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assumeTrue(!s.available(), "this machine has a usable GPU");
        assertNotNull(s.reason());
        assertFalse(s.reason().isBlank());
        assertFalse(s.reason().contains("\n"), "one line: " + s.reason());
        assertTrue(s.reason().matches("^(no NVIDIA driver|no CUDA kernels|neither cuDNN|no usable CUDA device|no CUDA device|the JCuda driver native|cannot|the CUDA kernels).*"),
                s.reason());
        assertTrue(millis < 5000, "probe took " + millis + " ms");
        assertSame(s, CudaProbe.probe(), "the answer is computed once");
    }
}
