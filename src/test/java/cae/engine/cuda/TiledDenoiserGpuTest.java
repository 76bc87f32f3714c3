package cae.engine.cuda;

import cae.engine.Numerics;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Parameters;
import cae.model.TiledDenoiser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/SPEC.md §2.6 on the GPU: the tiled output of the CUDA engine against the whole-image output of
 * the CPU engine, within the 1e-4 relative error that training parity holds (a forward pass is many
 * ops, each within 1e-5). Tagged "photos": in the GPU check's part photos. Skipped, with the probe's reason, where there is no usable GPU.
 */
class TiledDenoiserGpuTest extends CudaOpComparison {
    TiledDenoiserGpuTest() { super(11); }

    @Test
    @Tag("photos")
    void tiledOnTheGpuMatchesWholeOnTheCpu() {
        try (CudaEngine gpu = gpu(CudaEngine.ConvPath.AUTO)) {
            for (Decoder decoder : new Decoder[] {Decoder.NEAREST, Decoder.TRANSPOSED, Decoder.UNPOOL}) {
                for (int channels : new int[] {1, 3}) {
                    boolean skips = decoder != Decoder.UNPOOL;
                    Architecture arch = new Architecture(decoder, channels, Architecture.RECIPE_WIDTHS, skips, true, Architecture.Loss.MSE);
                    float[] weights = Parameters.glorotInit(arch, 5);
                    int h = 97, w = 83;
                    float[] image = new float[channels * h * w];
                    for (int i = 0; i < image.length; i++) image[i] = random.nextFloat();
                    try (Autoencoder onCpu = new Autoencoder(cpu, arch); Autoencoder onGpu = new Autoencoder(gpu, arch)) {
                        onCpu.setWeights(weights);
                        onGpu.setWeights(weights);
                        // one tile covering the image on the CPU, many small ones on the GPU
                        float[] whole = new TiledDenoiser(onCpu, 128, 1).denoise(image, h, w);
                        float[] tiled = new TiledDenoiser(onGpu, 16, 4).denoise(image, h, w);
                        double[] expected = new double[whole.length];
                        for (int i = 0; i < whole.length; i++) expected[i] = whole[i];
                        Numerics.assertClose(arch + " " + channels + "x" + h + "x" + w + " tiled on the GPU", expected, tiled, 1e-4);
                    }
                }
            }
        }
    }
}
