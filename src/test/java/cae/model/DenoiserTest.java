package cae.model;

import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Batches give each image the same result as running it alone, padding included. */
class DenoiserTest {

    private static List<float[]> images(int count, int pixels, long seed) {
        Random random = new Random(seed);
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] image = new float[pixels];
            for (int p = 0; p < pixels; p++) image[p] = random.nextFloat();
            images.add(image);
        }
        return images;
    }

    @Test
    void aBatchEqualsItsImagesOneAtATime() {
        int h = 13, w = 9;
        try (CpuEngine cpu = new CpuEngine(2)) {
            Autoencoder net = new Autoencoder(cpu, Architecture.RECIPE);
            net.setWeights(Parameters.glorotInit(net.arch, 7));
            List<float[]> images = images(5, h * w, 3);
            Denoiser one = new Denoiser(net, 1, h, w), batched = new Denoiser(net, 4, h, w);
            float[][] first = batched.denoise(images.subList(0, 4)), rest = batched.denoise(images.subList(4, 5));  // the last padded
            for (int i = 0; i < 5; i++) {
                float[] alone = one.denoise(List.of(images.get(i)))[0];
                float[] together = i < 4 ? first[i] : rest[0];
                assertArrayEquals(alone, together, "image " + i);
                for (float v : together) assertTrue(v > 0f && v < 1f, "a sigmoid output: " + v);
            }
            assertEquals(1, rest.length);
        }
    }

    /** docs/SPEC.md §2.1: fully convolutional down to 1 x 1, for every decoder. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Decoder.class)
    void imagesDownToOnePixelComeBackTheirSize(Decoder decoder) {
        try (CpuEngine cpu = new CpuEngine(1)) {
            Autoencoder net = new Autoencoder(cpu, Architecture.of(decoder));
            net.setWeights(Parameters.glorotInit(net.arch, 7));
            for (int[] size : new int[][] {{1, 1}, {1, 3}, {2, 1}, {2, 2}, {3, 5}}) {
                float[][] out = new Denoiser(net, 2, size[0], size[1]).denoise(images(2, size[0] * size[1], 5));
                for (float[] image : out) {
                    assertEquals(size[0] * size[1], image.length, decoder + " " + size[0] + "x" + size[1]);
                    for (float v : image) assertTrue(v > 0f && v < 1f, decoder + " " + size[0] + "x" + size[1] + ": " + v);
                }
            }
        }
    }

    @Test
    void wrongInputsAreRefused() {
        try (CpuEngine cpu = new CpuEngine(1)) {
            Autoencoder net = new Autoencoder(cpu, Architecture.RECIPE);
            Denoiser denoiser = new Denoiser(net, 2, 4, 4);
            assertThrows(IllegalArgumentException.class, () -> denoiser.denoise(images(3, 16, 1)));
            assertThrows(IllegalArgumentException.class, () -> denoiser.denoise(List.of()));
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> denoiser.denoise(images(1, 15, 1)));
            assertTrue(size.getMessage().contains("15 pixels, expected 16"), size.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Denoiser(net, 0, 4, 4));
        }
    }
}
