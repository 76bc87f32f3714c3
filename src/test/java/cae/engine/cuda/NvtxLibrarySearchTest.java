package cae.engine.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Where --nvtx finds NVTX: CAE_NVTX_LIB (a file or a folder) first, then LD_LIBRARY_PATH, CUDA 13's library before the older one. */
class NvtxLibrarySearchTest {

    private static Path touch(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "");
    }

    @Test
    void theOverrideNamesTheFileOrItsFolder(@TempDir Path tmp) throws Exception {
        Path file = touch(tmp.resolve("a/libnvToolsExt.so.1"));
        assertEquals(file, CudaLibraries.nvtx(Map.of("CAE_NVTX_LIB", file.toString()), List.of()));
        assertEquals(file, CudaLibraries.nvtx(Map.of("CAE_NVTX_LIB", file.getParent().toString()), List.of()));
    }

    @Test
    void theLibraryPathComesBeforeTheSystemAndNvtx3BeforeTheOlderLibrary(@TempDir Path tmp) throws Exception {
        touch(tmp.resolve("lib/libnvToolsExt.so.1"));
        Path nvtx3 = touch(tmp.resolve("lib/libnvtx3interop.so.1"));
        assertEquals(nvtx3, CudaLibraries.nvtx(Map.of("LD_LIBRARY_PATH", "/nowhere:" + tmp.resolve("lib")), List.of()));
    }

    @Test
    void aWheelsLibraryIsFoundInItsSiteFolder(@TempDir Path tmp) throws Exception {
        Path wheel = touch(tmp.resolve("site-packages/nvidia/nvtx/lib/libnvToolsExt.so.1"));
        Path found = CudaLibraries.nvtx(Map.of(), List.of(tmp.resolve("site-packages")));
        // a CUDA installation on this machine comes first; without one the wheel's is found
        assertNotNull(found);
        if (!found.toString().startsWith("/usr")) assertEquals(wheel, found);
    }
}
