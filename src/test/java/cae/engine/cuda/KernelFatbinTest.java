package cae.engine.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the build had nvcc, the fatbin resource exists and holds every kernel by the name the CUDA
 * engine launches it by ({@link Kernels#NAMES}).
 */
class KernelFatbinTest {

    private static boolean nvccPresent() {
        if (Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) return true;
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(java.io.File.pathSeparator))
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "nvcc"))) return true;
        return false;
    }

    @Test
    void fatbinHoldsEveryKernel() throws IOException {
        Assumptions.assumeTrue(nvccPresent(), "no nvcc here, so the build made no kernels to check");
        byte[] fatbin;
        try (InputStream in = getClass().getResourceAsStream("/cae/kernels/cae_kernels.fatbin")) {
            assertNotNull(in, "nvcc is present but the build left no cae/kernels/cae_kernels.fatbin on the classpath");
            fatbin = in.readAllBytes();
        }
        String text = new String(fatbin, StandardCharsets.ISO_8859_1);
        List<String> missing = new ArrayList<>();
        for (String name : Kernels.NAMES) if (!text.contains(name + '\0')) missing.add(name);
        assertTrue(missing.isEmpty(), "kernels missing from the fatbin: " + missing);
    }
}
