package cae.io;

import cae.io.SafeTensors.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsTest {
    @TempDir Path dir;

    private static float[] randomBits(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = Float.intBitsToFloat(random.nextInt());
        return values;
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        Random random = new Random(7);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", new TensorData(new int[]{32, 1, 3, 3}, randomBits(random, 288)));
        tensors.put("conv1.bias", new TensorData(new int[]{32}, randomBits(random, 32)));
        tensors.put("scalar", new TensorData(new int[]{}, new float[]{-0.0f}));
        tensors.put("empty", new TensorData(new int[]{0, 3}, new float[0]));
        tensors.put("big", new TensorData(new int[]{100, 333}, randomBits(random, 33_300)));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("model", "cae-mnist");
        metadata.put("note", "quotes \" backslash \\ <html> & ünïcode ✓");

        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, metadata, tensors);
        SafeTensors read = SafeTensors.read(file);

        assertEquals(metadata, read.metadata());
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.tensors().keySet()));
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            TensorData got = read.tensor(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            float[] expected = e.getValue().values();
            assertEquals(expected.length, got.values().length, e.getKey());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got.values()[i]),
                        e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void writesTheDocumentedByteLayout() throws IOException {
        Path file = dir.resolve("a.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a", new TensorData(new int[]{2}, new float[]{1.0f, -2.5f}));
        tensors.put("b", new TensorData(new int[]{1, 1}, new float[]{0.5f}));
        SafeTensors.write(file, Map.of("k", "v"), tensors);

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = 0;
        for (int i = 7; i >= 0; i--) headerLength = (headerLength << 8) | (bytes[i] & 0xff);
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        assertEquals(8 + headerLength + 12, bytes.length);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        byte[] data = Arrays.copyOfRange(bytes, 8 + (int) headerLength, bytes.length);
        // 1.0f = 0x3F800000, -2.5f = 0xC0200000, 0.5f = 0x3F000000, least significant byte first
        assertArrayEquals(new byte[]{0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0, 0, 0, 0, 0x3F}, data);
    }

    /** A file laid out by hand: header length, header text, data. */
    private Path handMade(String name, String header, float... data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        for (float v : data) buffer.putFloat(v);
        Path file = dir.resolve(name);
        Files.write(file, buffer.array());
        return file;
    }

    @Test
    void readsAHandMadeFileWithTensorsOutOfOrderAndNoMetadata() throws IOException {
        Path file = handMade("hand.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[4,12]},"
                        + " \"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}   ",
                3f, 1f, 2f);
        SafeTensors read = SafeTensors.read(file);
        assertTrue(read.metadata().isEmpty());
        assertEquals(List.of("b", "w"), List.copyOf(read.tensors().keySet()), "data order");
        assertArrayEquals(new float[]{3f}, read.tensor("b").values());
        assertArrayEquals(new float[]{1f, 2f}, read.tensor("w").values());
        assertArrayEquals(new int[]{2, 1}, read.tensor("w").shape());
    }

    private ModelFileException failsToRead(Path file) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    private static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void rejectsAFileShorterThanTheHeaderLength() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[]{1, 2, 3, 4, 5});
        assertContains("is only 5 bytes long, shorter than the 8-byte header length", failsToRead(file).getMessage());
    }

    @Test
    void rejectsAHeaderLengthLargerThanTheFile() throws IOException {
        Path file = dir.resolve("long.safetensors");
        ByteBuffer buffer = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put((byte) '{');
        Files.write(file, buffer.array());
        assertContains("its header length is 1000 bytes, larger than the 20 bytes that follow it",
                failsToRead(file).getMessage());

        buffer.putLong(0, -1); // 2^64 - 1 unsigned
        Files.write(file, buffer.array());
        assertContains("header length is 18446744073709551615 bytes", failsToRead(file).getMessage());
    }

    @Test
    void saysPlainlyWhenAFileIsNotSafetensorsAtAll() throws IOException {
        Path csv = dir.resolve("loss.csv");
        Files.writeString(csv, "step,epoch,loss\n0,1,0.69\n1,1,0.68\n");
        assertContains(csv + " is not a safetensors file: it does not begin with a safetensors header", failsToRead(csv).getMessage());
    }

    @Test
    void rejectsATruncatedDataSection() throws IOException {
        Path file = dir.resolve("cut.safetensors");
        SafeTensors.write(file, Map.of(), Map.of("conv1.weight", new TensorData(new int[]{2, 2}, new float[4])));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        assertContains("is truncated: tensor 'conv1.weight' ends at byte 16 of the data section, which holds only 13 bytes",
                failsToRead(file).getMessage());
    }

    @Test
    void rejectsAHeaderThatIsNotJson() throws IOException {
        assertContains("its header is not valid JSON",
                failsToRead(handMade("bad.safetensors", "{\"a\": {\"dtype\": ")).getMessage());
        assertContains("its header is not valid JSON",
                failsToRead(handMade("trailing.safetensors", "{} x")).getMessage());
        assertContains("its header is not valid JSON",
                failsToRead(handMade("lenient.safetensors", "{a: 1}")).getMessage());
        assertContains("does not begin with a safetensors header",  // the format's header must begin with '{'
                failsToRead(handMade("array.safetensors", "[1, 2]")).getMessage());
        Path notUtf8 = dir.resolve("latin1.safetensors");
        Files.write(notUtf8, new byte[]{4, 0, 0, 0, 0, 0, 0, 0, '{', (byte) 0xff, '}', ' '});
        assertContains("its header is not valid UTF-8", failsToRead(notUtf8).getMessage());
    }

    @Test
    void rejectsBadTensorEntries() throws IOException {
        assertContains("tensor 'h' has dtype F16, but only F32 is supported", failsToRead(handMade("f16.safetensors",
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0f)).getMessage());
        assertContains("tensor 'x' has shape [3] (3 values, 12 bytes), but its data_offsets [0, 8] span 8 bytes",
                failsToRead(handMade("size.safetensors",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 0f, 0f)).getMessage());
        assertContains("tensors 'a' and 'b' overlap in the data section", failsToRead(handMade("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 0f, 0f, 0f)).getMessage());
        assertContains("tensor 'x' has no valid shape", failsToRead(handMade("shape.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 0f)).getMessage());
        assertContains("tensor 'x' has no valid data_offsets", failsToRead(handMade("offsets.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 0f)).getMessage());
        assertContains("metadata entry 'epochs' is not a string", failsToRead(handMade("meta.safetensors",
                "{\"__metadata__\":{\"epochs\":10}}")).getMessage());
    }

    @Test
    void reportsAMissingFile() {
        Path file = dir.resolve("nowhere.safetensors");
        assertEquals("model file " + file + " does not exist", failsToRead(file).getMessage());
    }

    @Test
    void requireTensorsNamesEveryMismatch() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", new TensorData(new int[]{32, 1, 3, 3}, new float[288]));
        tensors.put("conv1.bias", new TensorData(new int[]{32}, new float[32]));
        tensors.put("x", new TensorData(new int[]{1}, new float[1]));
        SafeTensors.write(file, Map.of(), tensors);
        SafeTensors read = SafeTensors.read(file);

        Map<String, int[]> expected = new LinkedHashMap<>();
        expected.put("conv1.weight", new int[]{16, 1, 3, 3});
        expected.put("conv1.bias", new int[]{32});
        expected.put("conv3.bias", new int[]{16});
        ModelFileException e = assertThrows(ModelFileException.class, () -> read.requireTensors(expected));
        assertEquals(file + " does not fit the model: "
                + "tensor 'conv1.weight' has shape [32, 1, 3, 3], expected [16, 1, 3, 3]; "
                + "missing tensor 'conv3.bias'; unknown tensor 'x'", e.getMessage());

        Map<String, int[]> exact = new LinkedHashMap<>();
        exact.put("x", new int[]{1});
        exact.put("conv1.bias", new int[]{32});
        exact.put("conv1.weight", new int[]{32, 1, 3, 3});
        assertDoesNotThrow(() -> read.requireTensors(exact));
        assertContains("has no tensor 'conv9.bias'",
                assertThrows(ModelFileException.class, () -> read.tensor("conv9.bias")).getMessage());
    }

    @Test
    void rejectsDataThatDoesNotMatchItsShape() {
        assertThrows(IllegalArgumentException.class, () -> new TensorData(new int[]{2, 3}, new float[5]));
    }
}
