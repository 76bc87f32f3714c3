package cae.engine.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the build made the fatbin, it holds the decoder variants' kernels by the names the CUDA engine launches. */
class VariantKernelFatbinTest {
    static final List<String> KERNELS = List.of(
            "resize_bilinear_forward", "resize_bilinear_backward", "maxpool_same_gather", "im2col3x3_s2", "col2im3x3_s2");

    @Test
    void fatbinHoldsTheVariantKernels() throws IOException {
        byte[] fatbin;
        try (InputStream in = getClass().getResourceAsStream("/cae/kernels/cae_kernels.fatbin")) {
            Assumptions.assumeTrue(in != null, "the build made no kernels here (no nvcc); KernelFatbinTest checks that this is right");
            fatbin = in.readAllBytes();
        }
        String text = new String(fatbin, StandardCharsets.ISO_8859_1);
        List<String> missing = new ArrayList<>();
        for (String name : KERNELS) if (!text.contains(name + '\0')) missing.add(name);
        assertTrue(missing.isEmpty(), "kernels missing from the fatbin: " + missing);
    }
}
