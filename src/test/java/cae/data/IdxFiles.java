package cae.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for the tests. */
final class IdxFiles {
    private IdxFiles() {}

    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    /** n images of h x w whose pixel i of image k is (seed + 7k + i) mod 256. */
    static byte[] pixels(int n, int h, int w, int seed) {
        byte[] p = new byte[n * h * w];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < h * w; i++) p[k * h * w + i] = (byte) (seed + 7 * k + i);
        }
        return p;
    }

    static byte[] images(int n, int h, int w, int seed) {
        return idx(IdxFile.IMAGES_MAGIC, new int[] {n, h, w}, pixels(n, h, w, seed));
    }

    static byte[] labels(int n) {
        byte[] l = new byte[n];
        for (int i = 0; i < n; i++) l[i] = (byte) (i % 10);
        return idx(IdxFile.LABELS_MAGIC, new int[] {n}, l);
    }

    static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
