package cae.kernels;

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
 * engine launches it by (kernels/README.md).
 */
class KernelFatbinTest {
    static final List<String> KERNELS = List.of(
            "resize_nearest_forward", "resize_nearest_backward",
            "maxpool_same_forward", "maxpool_same_backward",
            "bias_relu_forward", "relu_backward_bias_partials", "bias_grad_reduce", "sigmoid_forward",
            "sigmoid_xent_forward_backward", "sigmoid_xent_reduce",
            "adam_update", "gather_noise", "im2col3x3", "col2im3x3",
            "resize_bilinear_forward", "resize_bilinear_backward", "maxpool_same_gather", "im2col3x3_s2", "col2im3x3_s2",
            "step_scalars_set",
            "thin_conv_in1_forward", "thin_conv_out1_forward", "thin_conv_in1_backward_data", "thin_conv_out1_backward_data",
            "thin_conv_weight_grad_partials", "thin_conv_weight_grad_reduce", "maxpool_relu_backward_bias_partials",
            "conv3x3_weight_grad_partials", "conv3x3_weight_grad_reduce", "resize_nearest_relu_backward_bias_partials", "direct_conv_forward");

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
        for (String name : KERNELS) if (!text.contains(name + '\0')) missing.add(name);
        assertTrue(missing.isEmpty(), "kernels missing from the fatbin: " + missing);
    }
}
