package cae.io;

import cae.fuzz.Fuzz;
import cae.io.SafeTensors.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of damaged safetensors files (seeds fixed): damaged bytes, and headers whose JSON was
 * edited (numbers set to edge values, tokens removed or added), with their length field kept right or
 * not. Each is read correctly or refused with one line naming the file, within the file's size.
 */
class SafeTensorsFuzzTest {
    private static final int CASES = 5_000;

    @Test
    void damagedSafetensorsFilesAreReadOrRefusedInOneLine(@TempDir Path dir) throws Exception {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", new TensorData(new int[] {4, 1, 3, 3}, ramp(36)));
        tensors.put("conv1.bias", new TensorData(new int[] {4}, ramp(4)));
        tensors.put("scalar", new TensorData(new int[] {}, new float[] {2.5f}));
        Path seedFile = dir.resolve("seed.safetensors");
        Map<String, String> metadata = new LinkedHashMap<>();  // in a fixed order: the seed file must be the same in every run
        metadata.put("format", "cae");
        metadata.put("epochs", "10");
        SafeTensors.write(seedFile, metadata, tensors);
        byte[] seed = Files.readAllBytes(seedFile);
        int headerLength = (int) ByteBuffer.wrap(seed, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(seed, 8, headerLength, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(seed, 8 + headerLength, seed.length);
        Map<String, int[]> expected = new LinkedHashMap<>();
        tensors.forEach((name, t) -> expected.put(name, t.shape()));

        Fuzz.Source source = (r, i) -> {
            if (r.nextInt(3) == 0) return Fuzz.mutate(seed, r, 8 + headerLength);
            String text = header;
            for (int m = 1 + r.nextInt(3); m > 0; m--) text = Fuzz.mutateText(text, r);
            byte[] json = text.getBytes(StandardCharsets.UTF_8);
            long length = r.nextInt(4) == 0 ? headerLength : json.length;
            return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(json)
                    .put(data).array();
        };
        Fuzz.Parser parser = file -> {
            SafeTensors st = SafeTensors.read(file);
            long bytes = 0;
            for (TensorData t : st.tensors().values()) {
                long count = 1;
                for (int d : t.shape()) count *= d;
                assertEquals(count, t.values().length, "values for the shape");
                bytes += 4L * count;
            }
            assertTrue(bytes <= Files.size(file), "no more data than the file holds");
            st.requireTensors(expected);
        };
        Fuzz.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> Fuzz.run("safetensors", dir, "case.safetensors",
                17, CASES, source, parser, length -> (8L << 20) + 64L * length, ModelFileException.class));
        Fuzz.assertClean(report);
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.25f - 1;
        return v;
    }
}
