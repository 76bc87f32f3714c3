package cae.model;

import cae.io.ModelFileException;
import cae.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {

    @Test
    void everyDecoderRoundTripsWithItsMetadata(@TempDir Path tmp) throws Exception {
        for (Decoder d : Decoder.values()) {
            Architecture arch = Architecture.of(d);
            float[] params = Parameters.glorotInit(arch, 9);
            Path file = tmp.resolve(d.id() + ".safetensors");
            ModelFile.write(file, arch, params, Map.of("seed", "9"));
            ModelFile.Loaded loaded = ModelFile.read(file);
            assertEquals(d, loaded.arch().decoder());
            assertArrayEquals(params, loaded.params());
            assertEquals("9", loaded.metadata().get("seed"));
            assertEquals(Integer.toString(arch.parameterCount()), loaded.metadata().get("parameters"));
        }
    }

    @Test
    void recipeLayoutIsPyTorchs(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("m.safetensors");
        ModelFile.write(file, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 1), Map.of());
        SafeTensors st = SafeTensors.read(file);
        assertArrayEquals(new int[] {32, 1, 3, 3}, st.tensor("conv1.weight").shape());
        assertArrayEquals(new int[] {1, 32, 3, 3}, st.tensor("logits.weight").shape());
        assertEquals(14, st.tensors().size());
        assertEquals(30_689, Architecture.RECIPE.parameterCount());
        Architecture transposed = Architecture.of(Decoder.TRANSPOSED);
        assertArrayEquals(new int[] {16, 32, 3, 3}, transposed.tensorShapes().get("tconv5.weight"), "ConvTranspose2d layout (Cin, Cout, kh, kw)");
    }

    @Test
    void wrongShapeAndUnknownDecoderAreNamed(@TempDir Path tmp) throws Exception {
        Map<String, SafeTensors.TensorData> tensors = new LinkedHashMap<>(ModelFile.split(Architecture.RECIPE,
                Parameters.glorotInit(Architecture.RECIPE, 1)));
        tensors.put("conv3.bias", new SafeTensors.TensorData(new int[] {15}, new float[15]));
        Path bad = tmp.resolve("bad.safetensors");
        SafeTensors.write(bad, Map.of("architecture", "cae-mnist"), tensors);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(bad));
        assertTrue(e.getMessage().contains("tensor 'conv3.bias' has shape [15], expected [16]"), e.getMessage());

        Path other = tmp.resolve("other.safetensors");
        SafeTensors.write(other, Map.of("decoder", "pixelshuffle"), ModelFile.split(Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 1)));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(other));
        assertEquals(other + ": unknown decoder 'pixelshuffle' (expected nearest, bilinear, transposed or unpool)", e.getMessage());

        Path missing = tmp.resolve("none.safetensors");
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(missing));
        assertEquals(missing + ": no such model file", e.getMessage());
    }
}
