package cae.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Just enough of the tar format (POSIX ustar, as npm writes it) to take named regular files out of
 * an archive: 512-byte headers, each followed by the entry's data padded to a multiple of 512.
 * Long names come from pax "path" records or GNU long-name entries; other extended data is ignored.
 */
final class TarArchive {
    private static final int BLOCK = 512;

    private TarArchive() {}

    /**
     * Writes each archive entry named as a key of {@code wanted} to the path it maps to.
     * Returns the names that were found.
     */
    static Set<String> extract(InputStream tar, Map<String, Path> wanted) throws IOException {
        Set<String> found = new HashSet<>();
        byte[] header = new byte[BLOCK];
        String longName = null; // from a pax or GNU extended header, for the entry that follows it
        while (true) {
            if (tar.readNBytes(header, 0, BLOCK) < BLOCK) throw new IOException("tar archive ends inside a header");
            if (isZero(header)) return found; // end-of-archive marker
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            if (type == 'x' || type == 'L') {
                byte[] extended = readEntry(tar, size);
                longName = type == 'L' ? cString(extended, 0, extended.length) : paxPath(extended, longName);
                continue;
            }
            String name = cString(header, 0, 100);
            String prefix = cString(header, 345, 155);
            if (isPosixUstar(header) && !prefix.isEmpty()) name = prefix + "/" + name;
            if (longName != null) name = longName;
            longName = null;

            Path target = type == '0' || type == '\0' ? wanted.get(name) : null;
            if (target != null) {
                try (OutputStream out = Files.newOutputStream(target)) {
                    copy(tar, out, size);
                }
                found.add(name);
            } else {
                tar.skipNBytes(size);
            }
            skipPadding(tar, size);
        }
    }

    private static byte[] readEntry(InputStream tar, long size) throws IOException {
        if (size > 1 << 20) throw new IOException("tar extended header is implausibly large");
        byte[] data = tar.readNBytes((int) size);
        if (data.length < size) throw new IOException("tar archive ends inside an entry");
        skipPadding(tar, size);
        return data;
    }

    private static void skipPadding(InputStream tar, long size) throws IOException {
        tar.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
    }

    /** The "path" record of pax extended header data ("LEN path=VALUE\n" records), else {@code fallback}. */
    private static String paxPath(byte[] data, String fallback) {
        for (String record : new String(data, StandardCharsets.UTF_8).split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) return record.substring(space + 6);
        }
        return fallback;
    }

    /** POSIX ustar headers say "ustar\0" at 257 and keep a name prefix at 345; GNU headers say "ustar " and do not. */
    private static boolean isPosixUstar(byte[] header) {
        return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a' && header[261] == 'r'
                && header[262] == 0;
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        for (long left = size; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) throw new IOException("tar archive ends inside an entry");
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    /** A NUL-terminated text field. */
    private static String cString(byte[] header, int at, int length) {
        int end = at;
        while (end < at + length && header[end] != 0) end++;
        return new String(header, at, end - at, StandardCharsets.UTF_8);
    }

    /** A NUL- or space-terminated octal number. */
    private static long octal(byte[] header, int at, int length) throws IOException {
        int i = at, end = at + length;
        while (i < end && header[i] == ' ') i++;
        long value = 0;
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            if (header[i] < '0' || header[i] > '7') throw new IOException("tar header has a malformed size field");
            value = value * 8 + (header[i] - '0');
        }
        return value;
    }
}
