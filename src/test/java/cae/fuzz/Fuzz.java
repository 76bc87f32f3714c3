package cae.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongUnaryOperator;

/**
 * A small mutation fuzzer for the parsers of user files (IDX, safetensors, checkpoints, images). Each
 * case's input is a function of (seed, case index) only, so a failure reproduces; a failing input is
 * also kept under {@code target/fuzz-failures/}.
 *
 * <p>A case passes when the parser returns a result its checker accepts, or throws one of the project's
 * user-facing kinds with a message on one line, of bounded length, that names the file. Anything else
 * fails: another exception type, an {@link Error} (an out-of-memory one included), more memory allocated
 * than the file's size allows, or a case that runs for seconds.
 */
public final class Fuzz {
    private Fuzz() {}

    /** Reads {@code file} and checks what it returns; throws when the file cannot be used. */
    @FunctionalInterface
    public interface Parser {
        void parse(Path file) throws Exception;
    }

    /** Makes a mutated input from (random, case index). */
    @FunctionalInterface
    public interface Source {
        byte[] make(Random random, int index);
    }

    /** What a fuzz run saw. */
    public record Report(String name, int tried, int read, int clean, List<String> failures, double makeSeconds, double parseSeconds) {
        public String summary() {
            return String.format("fuzz %s: %d cases, %d read correctly, %d clean errors, %d failures (%.1f s making inputs, %.1f s reading)",
                    name, tried, read, clean, failures.size(), makeSeconds, parseSeconds);
        }
    }

    /** Prints the report's summary and fails the test with its first failures, if it has any. */
    public static void assertClean(Report report) {
        System.out.println(report.summary());
        if (report.read() + report.clean() + report.failures().size() != report.tried()) throw new AssertionError("miscounted: " + report);
        if (!report.failures().isEmpty())
            throw new AssertionError(report.summary() + "\n" + String.join("\n", report.failures().subList(0, Math.min(10, report.failures().size()))));
    }

    /** The longest error message taken as one clean line. */
    public static final int MAX_MESSAGE = 2_000;
    /** A case running longer than this is taken as a hang. */
    public static final long MAX_CASE_NANOS = 3_000_000_000L;

    /**
     * Runs {@code cases} inputs from {@code source} through {@code parser}, each written to
     * {@code dir/fileName}. {@code accepted}: the error kinds a user may see. {@code allocationBound}: the
     * most bytes a case may allocate, given its input's length.
     */
    @SafeVarargs
    public static Report run(String name, Path dir, String fileName, long seed, int cases, Source source, Parser parser,
                             LongUnaryOperator allocationBound, Class<? extends Throwable>... accepted) throws IOException {
        Path memory = Path.of("/dev/shm");  // a memory file system, where there is one: thousands of writes cost little there
        Path work = Files.isDirectory(memory) && Files.isWritable(memory) ? Files.createTempDirectory(memory, "cae-fuzz-") : dir;
        try {
            return run(name, work.resolve(fileName), seed, cases, source, parser, allocationBound, accepted);
        } finally {
            Files.deleteIfExists(work.resolve(fileName));
            if (!work.equals(dir)) Files.deleteIfExists(work);
        }
    }

    private static Report run(String name, Path file, long seed, int cases, Source source, Parser parser,
                              LongUnaryOperator allocationBound, Class<? extends Throwable>[] accepted) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int read = 0, clean = 0;
        List<String> failures = new ArrayList<>();
        long making = 0, parsing = 0;
        for (int i = 0; i < cases; i++) {
            long made = System.nanoTime();
            byte[] input = source.make(new Random(seed * 1_000_003L + i), i);
            Files.write(file, input);
            making += System.nanoTime() - made;
            String failure = null;
            boolean refused = false;
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            try {
                parser.parse(file);
            } catch (Throwable t) {
                refused = true;
                failure = judge(t, file, accepted);
            }
            long nanos = System.nanoTime() - start;
            parsing += nanos;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            if (failure == null && allocated > allocationBound.applyAsLong(input.length))
                failure = "allocated " + allocated + " bytes for a " + input.length + "-byte file";
            if (failure == null && nanos > MAX_CASE_NANOS) failure = "took " + nanos / 1_000_000 + " ms";
            if (failure != null) {
                if (failures.size() < 20) keep(name, i, input);
                failures.add("case " + i + " (seed " + seed + "): " + failure);
            } else if (refused) {
                clean++;
            } else {
                read++;
            }
        }
        return new Report(name, cases, read, clean, failures, making / 1e9, parsing / 1e9);
    }

    /** Null for a clean user-facing error, else what is wrong with it. */
    private static String judge(Throwable t, Path file, Class<? extends Throwable>[] accepted) {
        boolean kind = false;
        for (Class<? extends Throwable> c : accepted) kind |= c.isInstance(t);
        String message = t.getMessage();
        if (!kind) return t + (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : "");
        if (message == null || message.isBlank()) return t.getClass().getSimpleName() + " without a message";
        if (message.contains("\n") || message.contains("\r")) return "a message of several lines: " + message.lines().findFirst().orElse("");
        if (message.length() > MAX_MESSAGE) return "a message of " + message.length() + " characters";
        if (!message.contains(file.getFileName().toString())) return "a message that does not name the file: " + message;
        return null;
    }

    private static void keep(String name, int index, byte[] input) {
        try {
            Path folder = Files.createDirectories(Path.of("target", "fuzz-failures"));
            Files.write(folder.resolve(name + "-" + index), input);
        } catch (IOException ignored) {
            // only a convenience for reproducing; the failure itself is reported anyway
        }
    }

    // ---- mutations ----

    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 255, 256, 65_535, 65_536, 0x7fff_ffff, 0x8000_0000, 2_000_000, 40_000, 100_000, 28};
    private static final long[] INTERESTING_LONGS = {0, 1, -1, 8, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 40, 100_000_000L, 1L << 31};
    private static final byte[] INTERESTING_BYTES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, '{', '"', ' ', '0', '9', '-', '.', 'e'};

    /**
     * 1 to 4 random mutations of {@code seed}: a bit flipped, a byte or a 4- or 8-byte integer set to an
     * edge value (big- or little-endian), a cut, bytes appended, a range removed or repeated. With
     * {@code focus} &gt; 0, half the offsets fall in the first {@code focus} bytes (a format's header).
     */
    public static byte[] mutate(byte[] seed, Random r, int focus) {
        byte[] b = seed.clone();
        int mutations = 1 + r.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            if (b.length == 0) { b = new byte[] {(byte) r.nextInt(256)}; continue; }
            int at = focus > 0 && r.nextBoolean() ? r.nextInt(Math.min(focus, b.length)) : r.nextInt(b.length);
            switch (r.nextInt(9)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                case 2 -> putInt(b, at, INTERESTING_INTS[r.nextInt(INTERESTING_INTS.length)] + (r.nextInt(4) == 0 ? r.nextInt(3) - 1 : 0),
                        r.nextBoolean());
                case 3 -> putLong(b, at, INTERESTING_LONGS[r.nextInt(INTERESTING_LONGS.length)]);
                case 4 -> b = java.util.Arrays.copyOf(b, at);
                case 5 -> {
                    byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + r.nextInt(64));
                    for (int i = b.length; i < longer.length; i++) longer[i] = (byte) r.nextInt(256);
                    b = longer;
                }
                case 6 -> {
                    int n = Math.min(b.length - at, 1 + r.nextInt(16));
                    byte[] shorter = new byte[b.length - n];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + n, shorter, at, b.length - at - n);
                    b = shorter;
                }
                case 7 -> {
                    int n = Math.min(b.length - at, 1 + r.nextInt(32));
                    byte[] longer = new byte[b.length + n];
                    System.arraycopy(b, 0, longer, 0, at + n);
                    System.arraycopy(b, at, longer, at + n, b.length - at);
                    b = longer;
                }
                default -> b[at] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    private static void putInt(byte[] b, int at, int value, boolean bigEndian) {
        for (int i = 0; i < 4 && at + i < b.length; i++)
            b[at + i] = (byte) (value >>> (bigEndian ? 24 - 8 * i : 8 * i));
    }

    private static void putLong(byte[] b, int at, long value) {
        for (int i = 0; i < 8 && at + i < b.length; i++) b[at + i] = (byte) (value >>> 8 * i);
    }

    /** Replaces one number of a text (a JSON header, a metadata value) with an edge value, or damages one token. */
    public static String mutateText(String text, Random r) {
        String[] numbers = {"0", "-1", "1", "1e12", "1000000000000", "4294967296", "9223372036854775807", "9223372036854775808",
                "2147483647", "2147483648", "100000", "1.5", "-0", "NaN", "1e400", "\"\"", "null", "[]", "{}", "true"};
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?").matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        int choice = r.nextInt(4);
        if (choice < 2 && !spans.isEmpty()) {
            int[] s = spans.get(r.nextInt(spans.size()));
            return text.substring(0, s[0]) + numbers[r.nextInt(numbers.length)] + text.substring(s[1]);
        }
        if (text.isEmpty()) return "{";
        int at = r.nextInt(text.length());
        if (choice == 2) return text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + r.nextInt(8)));
        String[] tokens = {"\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\\n", "\\u2028", "\u00e9", "\"shape\":[1]", "\"__metadata__\":{}"};
        return text.substring(0, at) + tokens[r.nextInt(tokens.length)] + text.substring(at);
    }
}
