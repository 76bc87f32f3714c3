package cae.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, F32 only: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * (padded with spaces to a multiple of 8), then the raw little-endian data. The header maps each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, offsets counted from the
 * start of the data section, plus an optional {@code "__metadata__"} object of string pairs.
 *
 * <p>{@link #write} lays tensors out contiguously in the order given; {@link #read} checks a file
 * thoroughly and reports the first problem as a {@link ModelFileException} naming the file.
 */
public final class SafeTensors {
    private static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses headers above 100 MB; a longer one means a corrupt file. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /** The most values one tensor may hold: a Java float array's limit. */
    private static final long MAX_VALUES = (Integer.MAX_VALUE - 8) / 4;
    /** How many problems {@link #requireTensors} lists by name before it only counts the rest. */
    static final int LISTED_PROBLEMS = 8;

    /** One tensor: its shape and its values in row-major order. The arrays are not copied. */
    public record TensorData(int[] shape, float[] values) {
        public TensorData {
            long count = 1;
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
                count *= d;
            }
            if (count != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
                        + " values, but " + values.length + " were given");
            }
        }

        @Override public String toString() {
            return "TensorData" + Arrays.toString(shape);
        }
    }

    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, TensorData> tensors;

    private SafeTensors(Path file, Map<String, String> metadata, Map<String, TensorData> tensors) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public Path file() { return file; }

    /** The header's {@code __metadata__}; empty when the file has none. */
    public Map<String, String> metadata() { return metadata; }

    /** All tensors, in the order of their data in the file. */
    public Map<String, TensorData> tensors() { return tensors; }

    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) throw new ModelFileException(file + " has no tensor " + quoted(name));
        return t;
    }

    /**
     * Checks that the file holds exactly the expected tensors with the expected shapes; otherwise
     * throws one exception listing every missing, misshapen and unknown tensor.
     */
    public void requireTensors(Map<String, int[]> expected) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            TensorData t = tensors.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor " + quoted(e.getKey()));
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add("tensor " + quoted(e.getKey()) + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) problems.add("unknown tensor " + quoted(name));
        }
        if (!problems.isEmpty()) {
            List<String> listed = problems.subList(0, Math.min(problems.size(), LISTED_PROBLEMS));
            int more = problems.size() - listed.size();
            throw new ModelFileException(file + " does not fit the model: " + String.join("; ", listed)
                    + (more > 0 ? "; and " + more + " more problem" + (more == 1 ? "" : "s") : ""));
        }
    }

    /** The longest part of a name from a file that a message shows. */
    private static final int SHOWN_NAME = 80;

    /** A name read from a file, as a one-line message shows it: in quotes (see {@link #shown}). */
    public static String quoted(String name) {
        return "'" + shown(name) + "'";
    }

    /** Text read from a file, as a one-line message shows it: control characters escaped, at most {@value #SHOWN_NAME} characters of it. */
    public static String shown(String text) {
        return shown(text, SHOWN_NAME);
    }

    /** A message that may quote a file's text, made safe for one line: control characters escaped, at most 400 characters. */
    public static String line(String message) {
        return shown(message, 400);
    }

    private static String shown(String text, int limit) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && i < limit; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return text.length() > limit ? b.append("...").toString() : b.toString();
    }

    // ---- writing ----

    /**
     * Writes {@code tensors} (in iteration order, data contiguous) and {@code metadata} to
     * {@code file}, atomically.
     */
    public static void write(Path file, Map<String, String> metadata, Map<String, TensorData> tensors) throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach((key, value) -> {
                if (key == null || value == null) throw new IllegalArgumentException("metadata keys and values must not be null");
                meta.addProperty(key, value);
            });
            header.add(METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (int d : e.getValue().shape()) shape.add(d);
            entry.add("shape", shape);
            long end = offset + 4L * e.getValue().values().length;
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            entry.add("data_offsets", offsets);
            header.add(name, entry);
            offset = end;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;

        AtomicFiles.write(file, out -> {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(padded);
            out.write(buffer.array(), 0, 8);
            out.write(json);
            for (int i = json.length; i < padded; i++) out.write(' ');
            FloatBuffer floats = buffer.clear().asFloatBuffer(); // a view from byte 0 of the array
            for (TensorData t : tensors.values()) {
                float[] values = t.values();
                for (int i = 0; i < values.length; ) {
                    int n = Math.min(values.length - i, floats.capacity());
                    floats.clear();
                    floats.put(values, i, n);
                    out.write(buffer.array(), 0, 4 * n);
                    i += n;
                }
            }
        });
    }

    // ---- reading ----

    public static SafeTensors read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFileException(file + " is a directory, not a safetensors file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel);
        } catch (NoSuchFileException e) {
            throw new ModelFileException("model file " + file + " does not exist");
        }
    }

    private static SafeTensors read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new ModelFileException(file + " is not a safetensors file: it is only " + size
                    + " bytes long, shorter than the 8-byte header length");
        }
        long headerLength = readFully(channel, 0, 8).getLong();
        if (size > 8 && readFully(channel, 8, 1).get() != '{') {
            throw new ModelFileException(file + " is not a safetensors file: it does not begin with a safetensors header "
                    + "(an 8-byte length, then the JSON header's '{')");
        }
        if (headerLength < 0 || headerLength > size - 8) {
            throw new ModelFileException(file + " is truncated or not a safetensors file: its header length is "
                    + Long.toUnsignedString(headerLength) + " bytes, larger than the " + (size - 8)
                    + " bytes that follow it");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ModelFileException(file + " is not a safetensors file: its header length of "
                    + headerLength + " bytes is implausibly large");
        }
        JsonObject header = parseHeader(file, readFully(channel, 8, (int) headerLength));
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> member : header.entrySet()) {
            if (member.getKey().equals(METADATA_KEY)) {
                readMetadata(file, member.getValue(), metadata);
            } else {
                entries.add(readEntry(file, member.getKey(), member.getValue(), dataSize));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < entries.size(); i++) {
            Entry previous = entries.get(i - 1), current = entries.get(i);
            if (current.begin < previous.end) {
                throw new ModelFileException(file + ": tensors " + quoted(previous.name) + " and " + quoted(current.name)
                        + " overlap in the data section");
            }
        }

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            float[] values = new float[Math.toIntExact((e.end - e.begin) / 4)];
            readFully(channel, dataStart + e.begin, 4 * values.length).asFloatBuffer().get(values);
            tensors.put(e.name, new TensorData(e.shape, values));
        }
        return new SafeTensors(file, metadata, tensors);
    }

    private record Entry(String name, int[] shape, long begin, long end) {}

    private static JsonObject parseHeader(Path file, ByteBuffer bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFileException(file + " is not a safetensors file: its header is not valid UTF-8 text");
        }
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new JsonParseException("text after the JSON value");
        } catch (JsonParseException | IOException e) {
            Throwable detail = e.getCause() != null ? e.getCause() : e;
            // Gson appends a troubleshooting link on a second line, and for malformed text its first line
            // is advice to parse leniently; the position is what helps the user.
            String reason = String.valueOf(detail.getMessage()).lines().findFirst().orElse("");
            if (reason.contains("setStrictness")) reason = reason.replaceFirst("^.*?(?= at line)", "malformed JSON");
            throw new ModelFileException(file + " is not a safetensors file: its header is not valid JSON (" + reason + ")");
        }
        if (!root.isJsonObject()) {
            throw new ModelFileException(file + " is not a safetensors file: its header is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    private static void readMetadata(Path file, JsonElement element, Map<String, String> metadata) {
        if (!element.isJsonObject()) throw new ModelFileException(file + ": the header's __metadata__ is not a JSON object");
        for (Map.Entry<String, JsonElement> e : element.getAsJsonObject().entrySet()) {
            JsonElement value = e.getValue();
            if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
                throw new ModelFileException(file + ": metadata entry " + quoted(e.getKey()) + " is not a string");
            }
            metadata.put(e.getKey(), value.getAsString());
        }
    }

    private static Entry readEntry(Path file, String name, JsonElement element, long dataSize) {
        String where = file + ": tensor " + quoted(name);
        if (!element.isJsonObject()) throw new ModelFileException(where + " is not described by a JSON object");
        JsonObject entry = element.getAsJsonObject();

        JsonElement dtype = entry.get("dtype");
        if (dtype == null || !dtype.isJsonPrimitive() || !dtype.getAsJsonPrimitive().isString()) {
            throw new ModelFileException(where + " has no dtype");
        }
        if (!dtype.getAsString().equals("F32")) {
            throw new ModelFileException(where + " has dtype " + shown(dtype.getAsString()) + ", but only F32 is supported");
        }

        long[] shapeLongs = integers(entry.get("shape"), -1, Integer.MAX_VALUE);
        if (shapeLongs == null) throw new ModelFileException(where + " has no valid shape (a list of non-negative integers)");
        int[] shape = new int[shapeLongs.length];
        BigInteger values = BigInteger.ONE;  // the product of up to 2^31 - 1 per dimension overflows a long
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) shapeLongs[i];
            values = values.multiply(BigInteger.valueOf(shape[i]));
        }
        if (values.compareTo(BigInteger.valueOf(MAX_VALUES)) > 0)
            throw new ModelFileException(where + " has shape " + Arrays.toString(shape) + " (" + values + " values), too large to load"
                    + " (at most " + MAX_VALUES + " F32 values per tensor)");
        long count = values.longValue();

        long[] offsets = integers(entry.get("data_offsets"), 2, Long.MAX_VALUE);
        if (offsets == null || offsets[1] < offsets[0]) {
            throw new ModelFileException(where + " has no valid data_offsets (two integers begin <= end)");
        }
        long bytes = offsets[1] - offsets[0];
        if (bytes != 4 * count) {
            throw new ModelFileException(where + " has shape " + Arrays.toString(shape) + " (" + count + " values, "
                    + 4 * count + " bytes), but its data_offsets " + Arrays.toString(offsets) + " span " + bytes + " bytes");
        }
        if (offsets[1] > dataSize) {
            throw new ModelFileException(file + " is truncated: tensor " + quoted(name) + " ends at byte " + offsets[1]
                    + " of the data section, which holds only " + dataSize + " bytes");
        }
        return new Entry(name, shape, offsets[0], offsets[1]);
    }

    /** The element as a list of integers in [0, max], of {@code length} entries unless that is -1; null if it is not. */
    private static long[] integers(JsonElement element, int length, long max) {
        if (element == null || !element.isJsonArray()) return null;
        JsonArray array = element.getAsJsonArray();
        if (length >= 0 && array.size() != length) return null;
        long[] result = new long[array.size()];
        for (int i = 0; i < result.length; i++) {
            JsonElement e = array.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) return null;
            BigDecimal value = e.getAsJsonPrimitive().getAsBigDecimal();
            if (value.signum() < 0 || value.compareTo(BigDecimal.valueOf(max)) > 0) return null;
            try {
                result[i] = value.longValueExact();
            } catch (ArithmeticException notAnInteger) {
                return null;
            }
        }
        return result;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) throw new EOFException("unexpected end of file");
        }
        return buffer.flip();
    }
}
