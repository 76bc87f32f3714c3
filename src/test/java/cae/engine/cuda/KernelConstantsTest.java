package cae.engine.cuda;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The numbers Java and the kernels share (KernelConstants) are the ones the kernels were compiled with (the emulation's). */
class KernelConstantsTest {
    @Test
    void javaAndTheKernelsAgree() {
        Map<String, Integer> java = new LinkedHashMap<>();
        java.put("kReduceThreads", KernelConstants.THREADS);
        java.put("kBiasChunk", KernelConstants.BIAS_CHUNK);
        java.put("kStepWords", KernelConstants.STEP_WORDS);
        java.put("kThinSums", KernelConstants.THIN_SUMS);
        java.put("kDirectGroup", KernelConstants.DIRECT_GROUP);
        java.put("kDirectMaxIn", KernelConstants.DIRECT_MAX_IN);
        java.put("kWgradMaxChannels", KernelConstants.WGRAD_MAX_CHANNELS);
        java.put("kWgradTileRows", KernelConstants.WGRAD_TILE_ROWS);
        java.put("kCropStream", KernelConstants.CROP_STREAM);
        java.put("kNoiseNone", KernelConstants.NOISE_NONE);
        java.put("kNoiseGaussian", KernelConstants.NOISE_GAUSSIAN);
        java.put("kNoiseSaltPepper", KernelConstants.NOISE_SALT_PEPPER);
        java.put("kNoiseMask", KernelConstants.NOISE_MASK);
        Map<String, Integer> kernels = new LinkedHashMap<>();
        try (KernelEmulator gpu = KernelEmulator.start()) {
            for (String line : gpu.constants().split("\n")) {
                String[] nameValue = line.split(" ");
                kernels.put(nameValue[0], Integer.parseInt(nameValue[1]));
            }
        }
        assertEquals(java, kernels);
    }

    /** Each noise model has its own number, the one Kernels.noiseKind passes. */
    @Test
    void everyNoiseModelHasItsOwnKernelNumber() {
        Map<Integer, cae.engine.Noise.Kind> seen = new LinkedHashMap<>();
        for (cae.engine.Noise.Kind kind : cae.engine.Noise.Kind.values()) {
            cae.engine.Noise.Kind before = seen.put(Kernels.noiseKind(kind), kind);
            assertEquals(null, before, kind + " and " + before + " share a number");
        }
        assertEquals(Map.of(KernelConstants.NOISE_NONE, cae.engine.Noise.Kind.NONE, KernelConstants.NOISE_GAUSSIAN, cae.engine.Noise.Kind.GAUSSIAN,
                KernelConstants.NOISE_SALT_PEPPER, cae.engine.Noise.Kind.SALT_PEPPER, KernelConstants.NOISE_MASK, cae.engine.Noise.Kind.MASK), seen);
    }
}
