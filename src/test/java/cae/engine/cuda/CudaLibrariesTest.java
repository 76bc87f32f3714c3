package cae.engine.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CudaLibrariesTest {

    private static Path touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.createFile(file);
    }

    @Test
    void overridesWinAndAcceptFilesOrDirectories(@TempDir Path dir) throws IOException {
        Path cudnn = touch(dir.resolve("a/libcudnn.so.8"));
        Path cublas = touch(dir.resolve("b/libcublas.so.13"));
        touch(dir.resolve("ld/libcudnn.so.9"));
        CudaLibraries libs = CudaLibraries.locate(Map.of(
                "CAE_CUDNN_LIB", cudnn.toString(), "GPU_CUBLAS_LIB", cublas.getParent().toString(),
                "LD_LIBRARY_PATH", dir.resolve("ld").toString()), List.of());
        assertEquals(new CudaLibraries.Found(cudnn, 8), libs.cudnn());
        assertEquals(new CudaLibraries.Found(cublas, 13), libs.cublas());
    }

    @Test
    void ldLibraryPathIsSearchedAndTheNewerMajorWins(@TempDir Path dir) throws IOException {
        touch(dir.resolve("one/libcudnn.so.8"));
        Path nine = touch(dir.resolve("one/libcudnn.so.9"));
        Path twelve = touch(dir.resolve("two/libcublas.so.12"));
        CudaLibraries libs = CudaLibraries.locate(Map.of("LD_LIBRARY_PATH",
                dir.resolve("missing") + ":" + dir.resolve("one") + ":" + dir.resolve("two")), List.of());
        assertEquals(new CudaLibraries.Found(nine, 9), libs.cudnn());
        assertEquals(new CudaLibraries.Found(twelve, 12), libs.cublas());
    }

    @Test
    void pipWheelsAreFoundInSiteDirectories(@TempDir Path dir) throws IOException {
        Path site = dir.resolve("lib/python3.11/site-packages");
        Path cudnn = touch(site.resolve("nvidia/cudnn/lib/libcudnn.so.9"));
        touch(site.resolve("nvidia/cudnn/lib/libcudnn_ops.so.9"));
        touch(site.resolve("nvidia/cudnn/lib/libcudnn_graph.so.9"));
        Path cublas = touch(site.resolve("nvidia/cublas/lib/libcublas.so.13"));
        Path lt = touch(site.resolve("nvidia/cublas/lib/libcublasLt.so.13"));
        CudaLibraries libs = CudaLibraries.locate(Map.of(), List.of(site));
        // a system-wide install (checked first) would shadow the wheel; only assert when there is none
        if (libs.cudnn().file().startsWith(dir)) {
            assertEquals(cudnn, libs.cudnn().file());
            assertEquals(List.of(site.resolve("nvidia/cudnn/lib/libcudnn_graph.so.9"), site.resolve("nvidia/cudnn/lib/libcudnn_ops.so.9")),
                    CudaLibraries.cudnnSubLibraries(libs.cudnn()));
        }
        if (libs.cublas().file().startsWith(dir)) {
            assertEquals(cublas, libs.cublas().file());
            assertEquals(lt, CudaLibraries.cublasLt(libs.cublas()));
        }
    }

    @Test
    void driverOverrideAndDescription(@TempDir Path dir) throws IOException {
        Path driver = touch(dir.resolve("libcuda.so.1"));
        CudaLibraries libs = CudaLibraries.locate(Map.of("CAE_CUDA_DRIVER_LIB", driver.toString()), List.of());
        assertEquals(driver, libs.driver());
        assertTrue(new CudaLibraries(null, null, null).describe().contains("driver: not found (libcuda.so.1)"));
    }

    @Test
    void majorVersionFromFileName() {
        assertEquals(9, CudaLibraries.majorOf("libcudnn.so.9.1.0", "libcudnn.so."));
        assertEquals(12, CudaLibraries.majorOf("libcublas.so.12", "libcublas.so."));
        assertEquals(0, CudaLibraries.majorOf("libcudnn.so", "libcudnn.so."));
        assertEquals(0, CudaLibraries.majorOf("libcublasLt.so.12", "libcublas.so."));
    }
}
