package cae.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * One IDX file (the MNIST format, docs/SPEC.md §4.1), raw or gzip-compressed, read whole in one pass:
 * a big-endian magic number {@code 0x0000TTDD} (TT the element type, 0x08 for unsigned bytes; DD the
 * number of dimensions), DD big-endian 32-bit sizes, then the elements in row-major order.
 *
 * <p>Images are N x H x W unsigned bytes (magic 0x00000803), labels are N unsigned bytes (magic
 * 0x00000801). Gzip is recognised by its magic bytes 1f 8b, whatever the file is called. The SHA-256
 * is that of the uncompressed content, so a file and its .gz have the same one.
 */
public final class IdxFile {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int BUFFER = 1 << 16;

    private final Path path;
    private final int magic;
    private final int count;
    private final int height;
    private final int width;
    private final byte[] data;
    private final String sha256;

    private IdxFile(Path path, int magic, int[] dims, byte[] data, String sha256) {
        this.path = path;
        this.magic = magic;
        this.count = dims[0];
        this.height = dims.length == 3 ? dims[1] : 1;
        this.width = dims.length == 3 ? dims[2] : 1;
        this.data = data;
        this.sha256 = sha256;
    }

    /** Reads an N x H x W unsigned-byte image file; throws {@link DataException} on any problem. */
    public static IdxFile readImages(Path path) {
        return read(path, IMAGES_MAGIC);
    }

    /** Reads an N-element unsigned-byte label file; throws {@link DataException} on any problem. */
    public static IdxFile readLabels(Path path) {
        return read(path, LABELS_MAGIC);
    }

    public Path path() { return path; }

    public boolean isImages() { return magic == IMAGES_MAGIC; }

    /** Number of images or labels. */
    public int count() { return count; }

    /** Image height in pixels (1 for a label file). */
    public int height() { return height; }

    /** Image width in pixels (1 for a label file). */
    public int width() { return width; }

    /** The images' pixels, count x height x width row-major, 0..255 as unsigned bytes. Not a copy. */
    public byte[] pixels() {
        if (!isImages()) throw new IllegalStateException(path + " holds labels, not images");
        return data;
    }

    /** The labels, one unsigned byte each. Not a copy. */
    public byte[] labels() {
        if (isImages()) throw new IllegalStateException(path + " holds images, not labels");
        return data;
    }

    /** SHA-256 of the uncompressed file content, 64 lower-case hex digits. */
    public String sha256() { return sha256; }

    @Override public String toString() {
        return path + (isImages() ? " (" + count + " images of " + height + " x " + width + ")" : " (" + count + " labels)");
    }

    /**
     * Opens {@code path} for reading, decompressing when it starts with the gzip magic bytes.
     * Decompression errors surface as {@link ZipException} or {@link EOFException} while reading.
     */
    static InputStream openDecompressed(Path path) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(path), BUFFER);
        try {
            return isGzip(in) ? new GZIPInputStream(in, BUFFER) : in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static IdxFile read(Path path, int expectedMagic) {
        if (Files.isDirectory(path)) throw new DataException(path + " is a directory, not an IDX file.");
        boolean gzip = false;
        try (InputStream raw = Files.newInputStream(path);
             BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER)) {
            long fileSize = Files.size(path);
            gzip = isGzip(buffered);
            InputStream in = gzip ? new GZIPInputStream(buffered, BUFFER) : buffered;
            try {
                return parse(path, in, expectedMagic, gzip ? -1 : fileSize, fileSize);
            } catch (DataException e) {
                // A damaged gzip stream can decode to nonsense before its checksum is reached; read
                // on to the checksum so that the real cause is reported.
                if (gzip) in.transferTo(OutputStream.nullOutputStream());
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new DataException(path + ": file not found.", e);
        } catch (AccessDeniedException e) {
            throw new DataException(path + ": cannot be read (permission denied).", e);
        } catch (ZipException | EOFException e) {
            // Only the gzip decoder throws these: a raw file that ends early is reported by parse().
            throw new DataException(path + ": not a valid gzip file, it is corrupt or cut short (" + e.getMessage() + ").", e);
        } catch (IOException e) {
            throw new DataException(path + ": cannot be read" + (gzip ? " as gzip" : "") + " (" + e + ").", e);
        }
    }

    /**
     * Parses the stream; {@code rawSize} is the file's size when it is not compressed (-1 when it is),
     * {@code fileSize} its size on disk. Memory follows what the file really holds, never the header's
     * claim alone: a raw file's data is checked against its size before anything is allocated, and a
     * compressed one is read into a buffer that grows with what actually decompresses.
     */
    private static IdxFile parse(Path path, InputStream in, int expectedMagic, long rawSize, long fileSize) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        int dimCount = expectedMagic & 0xff;
        int headerBytes = 4 + 4 * dimCount;
        byte[] header = in.readNBytes(headerBytes);
        if (header.length >= 4) {
            int magic = bigEndianInt(header, 0);
            if (magic != expectedMagic) {
                throw new DataException(String.format("%s: wrong magic number 0x%08X (%s), expected 0x%08X (%s).",
                        path, magic, describeMagic(magic), expectedMagic, describeMagic(expectedMagic)));
            }
        }
        if (header.length < headerBytes) {
            throw new DataException(path + ": truncated, expected a " + headerBytes + "-byte IDX header, found "
                    + header.length + " bytes in all.");
        }
        digest.update(header);

        int[] dims = new int[dimCount];
        BigInteger product = BigInteger.ONE;  // three sizes of up to 2^31 - 1 overflow a long
        for (int i = 0; i < dimCount; i++) {
            dims[i] = bigEndianInt(header, 4 + 4 * i);
            if (dims[i] <= 0) {
                throw new DataException(path + ": dimensions " + formatDims(header, dimCount)
                        + " are invalid, every dimension must be at least 1.");
            }
            product = product.multiply(BigInteger.valueOf(dims[i]));
        }
        if (product.compareTo(BigInteger.valueOf(Integer.MAX_VALUE - 8)) > 0) {
            throw new DataException(path + ": dimensions " + formatDims(header, dimCount) + " make " + product
                    + " bytes of data, more than one file can hold here (2 GiB).");
        }
        long size = product.longValue();
        if (rawSize >= 0 && rawSize - headerBytes < size) {
            throw new DataException(path + ": truncated, expected " + size + " bytes of data for "
                    + formatDims(header, dimCount) + ", found " + (rawSize - headerBytes) + ".");
        }

        // Raw: exactly the data, which the file was just seen to hold. Compressed: a start of at most a
        // few times the compressed size, doubled as the data keeps coming.
        long start = rawSize >= 0 ? size : Math.min(size, Math.max(BUFFER, 4 * fileSize));
        byte[] data = allocate(path, start);
        int found = 0;
        while (found < size) {
            if (found == data.length) data = grow(path, data, Math.min(size, 2L * data.length));
            // Read and hash in chunks: cache-friendly, and the digest code warms up on the first file.
            int n = in.readNBytes(data, found, Math.min(BUFFER, data.length - found));
            if (n == 0) break;
            digest.update(data, found, n);
            found += n;
        }
        if (found < size) {
            throw new DataException(path + ": truncated, expected " + size + " bytes of data for "
                    + formatDims(header, dimCount) + ", found " + found + ".");
        }
        long extra = in.transferTo(OutputStream.nullOutputStream());
        if (extra > 0) {
            throw new DataException(path + ": " + extra + " unexpected bytes after the " + size + " bytes of data for "
                    + formatDims(header, dimCount) + ".");
        }
        return new IdxFile(path, expectedMagic, dims, data, Sha256.hex(digest));
    }

    /** A buffer for the data; a heap too small for data the file really holds is named with the file. */
    private static byte[] allocate(Path path, long bytes) {
        try {
            return new byte[(int) bytes];
        } catch (OutOfMemoryError e) {
            throw new DataException(path + ": its " + bytes + " bytes of data do not fit in the Java heap; give the JVM more "
                    + "memory, e.g. CAE_JAVA_OPTS=-Xmx8g.");
        }
    }

    private static byte[] grow(Path path, byte[] data, long bytes) {
        byte[] bigger = allocate(path, bytes);
        System.arraycopy(data, 0, bigger, 0, data.length);
        return bigger;
    }

    private static int bigEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static String formatDims(byte[] header, int dimCount) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < dimCount; i++) {
            if (i > 0) s.append(" x ");
            s.append(Integer.toUnsignedLong(bigEndianInt(header, 4 + 4 * i)));
        }
        return s.toString();
    }

    private static String describeMagic(int magic) {
        if (magic == IMAGES_MAGIC) return "IDX images, unsigned bytes N x H x W";
        if (magic == LABELS_MAGIC) return "IDX labels, unsigned bytes N";
        int type = magic >>> 8 & 0xff;
        String typeName = switch (type) {
            case 0x08 -> "unsigned bytes";
            case 0x09 -> "signed bytes";
            case 0x0B -> "shorts";
            case 0x0C -> "ints";
            case 0x0D -> "floats";
            case 0x0E -> "doubles";
            default -> null;
        };
        if ((magic & 0xffff0000) != 0 || typeName == null) return "not an IDX file";
        return "IDX " + typeName + " with " + (magic & 0xff) + " dimensions";
    }
}
