package cae.model;

import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArchitectureTest {

    /** activationFloats counts exactly the tensors an inference pass makes, for every decoder and odd sizes too. */
    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"NEAREST, 28, 28", "NEAREST, 13, 9", "BILINEAR, 28, 28", "TRANSPOSED, 28, 28", "TRANSPOSED, 7, 11", "UNPOOL, 28, 28", "UNPOOL, 5, 6"})
    void activationFloatsCountsEveryInferenceTensor(Decoder decoder, int h, int w) {
        Architecture arch = Architecture.of(decoder);
        try (CpuEngine cpu = new CpuEngine(1)) {
            Activations a = new Activations(cpu, arch, 1, h, w, false);
            long floats = a.input.size() + a.logits.size();
            for (Tensor[] tensors : new Tensor[][] {a.encoder, a.pooled, a.up, a.decoder})
                for (Tensor t : tensors) if (t != null) floats += t.size();
            assertEquals(floats, arch.activationFloats(h, w));
        }
        if (decoder == Decoder.NEAREST && h == 28) assertEquals(102_960, arch.activationFloats(28, 28));
    }

    /** wideConvolutionShapes lists, in layer order, the stride-1 convolutions with wide input and output, as Activations shapes them. */
    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"NEAREST, 28, 28", "NEAREST, 13, 9", "UNPOOL, 5, 6", "TRANSPOSED, 28, 28"})
    void wideConvolutionShapesMatchTheActivations(Decoder decoder, int h, int w) {
        Architecture arch = Architecture.of(decoder);
        java.util.List<int[]> expected = new java.util.ArrayList<>();
        try (CpuEngine cpu = new CpuEngine(1)) {
            Activations a = new Activations(cpu, arch, 3, h, w, false);
            for (int i = 0; i < 3; i++) add(expected, i == 0 ? a.input : a.pooled[i - 1], a.encoder[i]);
            for (int j = 0; j < arch.stages(); j++) if (a.up[j] != null) add(expected, a.up[j], a.decoder[j]);
        }
        java.util.List<int[]> shapes = arch.wideConvolutionShapes(3, h, w);
        assertEquals(expected.size(), shapes.size());
        for (int k = 0; k < shapes.size(); k++) org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(k), shapes.get(k), "layer " + k);
        if (decoder == Decoder.NEAREST && h == 28) assertEquals("[3, 32, 32, 28, 28]", java.util.Arrays.toString(shapes.get(shapes.size() - 1)));
    }

    /** forwardMacs is each layer's weights times the positions it slides over (its input for a transposed layer), as Activations shapes them. */
    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"NEAREST, 28, 28", "NEAREST, 13, 9", "BILINEAR, 28, 28", "TRANSPOSED, 28, 28", "TRANSPOSED, 7, 11", "UNPOOL, 5, 6"})
    void forwardMacsCountsEachLayerWhereItRuns(Decoder decoder, int h, int w) {
        Architecture arch = Architecture.of(decoder);
        long expected = 0;
        try (CpuEngine cpu = new CpuEngine(1)) {
            Activations a = new Activations(cpu, arch, 1, h, w, false);
            Tensor[] inputs = {a.input, a.pooled[0], a.pooled[1], a.up[0], a.up[1], a.up[2], a.decoder[2]};
            Tensor[] outputs = {a.encoder[0], a.encoder[1], a.encoder[2], a.decoder[0], a.decoder[1], a.decoder[2], a.logits};
            for (int i = 0; i < 7; i++) {
                ConvLayer l = arch.layer(i);
                Tensor slid = l.transposed() ? (i == 3 ? a.pooled[2] : a.decoder[i - 4]) : outputs[i];
                expected += (long) l.weightCount() * slid.h() * slid.w();
                if (!l.transposed()) assertEquals(inputs[i].h(), outputs[i].h());
            }
        }
        assertEquals(expected, arch.forwardMacs(h, w));
    }

    private static void add(java.util.List<int[]> shapes, Tensor in, Tensor out) {
        if (in.c() > 1 && out.c() > 1) shapes.add(new int[] {in.n(), in.c(), out.c(), in.h(), in.w()});
    }
}
