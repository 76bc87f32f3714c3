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
}
