package cae.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Error messages about a safetensors file stay one readable line, whatever the file holds. */
class SafeTensorsLimitsTest {
    @TempDir Path dir;

    private Path file(String name, JsonObject header, int dataBytes) throws Exception {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(name);
        Files.write(file, ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array());
        return file;
    }

    private static JsonObject entry(int[] shape, long begin, long end) {
        JsonObject e = new JsonObject();
        e.addProperty("dtype", "F32");
        JsonArray s = new JsonArray();
        for (int d : shape) s.add(d);
        e.add("shape", s);
        JsonArray o = new JsonArray();
        o.add(begin);
        o.add(end);
        e.add("data_offsets", o);
        return e;
    }

    @Test
    void aShapeTooLargeToLoadIsShownWhole() throws Exception {
        JsonObject header = new JsonObject();
        header.add("w", entry(new int[] {100000, 100000, 3, 3}, 0, 4));
        Path file = file("big.safetensors", header, 4);
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertEquals(file + ": tensor 'w' has shape [100000, 100000, 3, 3] (90000000000 values), too large to load "
                + "(at most 536870909 F32 values per tensor)", e.getMessage());

        JsonObject empty = new JsonObject();
        empty.add("w", entry(new int[] {100000, 100000, 0}, 0, 0));  // no values at all: a valid, empty tensor
        assertArrayEquals(new int[] {100000, 100000, 0}, SafeTensors.read(file("empty.safetensors", empty, 0)).tensor("w").shape());
    }

    @Test
    void manyUnknownTensorsAreCountedNotListed() throws Exception {
        JsonObject header = new JsonObject();
        int n = 30_000;
        for (int i = 0; i < n; i++) header.add("t" + i, entry(new int[] {1}, 4L * i, 4L * i + 4));
        Path file = file("many.safetensors", header, 4 * n);
        SafeTensors st = SafeTensors.read(file);
        ModelFileException e = assertThrows(ModelFileException.class, () -> st.requireTensors(Map.of("conv1.bias", new int[] {32})));
        assertTrue(e.getMessage().startsWith(file + " does not fit the model: missing tensor 'conv1.bias'; unknown tensor 't0'; "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; and " + (n + 1 - SafeTensors.LISTED_PROBLEMS) + " more problems"), e.getMessage());
        assertTrue(e.getMessage().length() < 500, e.getMessage().length() + " characters");
    }

    @Test
    void namesFromTheFileAreShownOnOneLine() throws Exception {
        JsonObject header = new JsonObject();
        header.add("a\nb", entry(new int[] {2}, 0, 4));
        Path file = file("names.safetensors", header, 4);
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertEquals(file + ": tensor 'a\\u000ab' has shape [2] (2 values, 8 bytes), but its data_offsets [0, 4] span 4 bytes",
                e.getMessage());

        JsonObject longName = new JsonObject();
        longName.add("x".repeat(100_000), entry(new int[] {1}, 0, 4));
        SafeTensors st = SafeTensors.read(file("long.safetensors", longName, 4));
        ModelFileException unknown = assertThrows(ModelFileException.class, () -> st.requireTensors(Map.of()));
        assertTrue(unknown.getMessage().endsWith("unknown tensor '" + "x".repeat(80) + "...'"), unknown.getMessage());
    }
}
