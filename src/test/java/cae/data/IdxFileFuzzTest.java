package cae.data;

import cae.fuzz.Fuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of damaged IDX files, raw and gzip (seeds fixed): each is read correctly or refused with one
 * line naming the file, and no case allocates more than its file's size allows (a header's claim is
 * not an allocation).
 */
class IdxFileFuzzTest {
    private static final int CASES = 3_000;

    @Test
    void damagedImageFilesAreReadOrRefusedInOneLine(@TempDir Path dir) {
        fuzz(dir, "idx-images", 16, new byte[][] {IdxFiles.images(5, 4, 3, 1), IdxFiles.images(2, 28, 28, 9)}, IdxFile::readImages);
    }

    @Test
    void damagedLabelFilesAreReadOrRefusedInOneLine(@TempDir Path dir) {
        fuzz(dir, "idx-labels", 8, new byte[][] {IdxFiles.labels(7), IdxFiles.labels(300)}, IdxFile::readLabels);
    }

    private interface Reader { IdxFile read(Path file); }

    private static void fuzz(Path dir, String name, int header, byte[][] seeds, Reader reader) {
        Fuzz.Source source = (r, i) -> {
            byte[] seed = seeds[i % seeds.length];
            try {
                return switch (r.nextInt(3)) {
                    case 0 -> Fuzz.mutate(seed, r, header);                          // raw
                    case 1 -> IdxFiles.gzip(Fuzz.mutate(seed, r, header));          // a damaged header or body, well compressed
                    default -> Fuzz.mutate(IdxFiles.gzip(seed), r, 0);              // a damaged compressed stream
                };
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        Fuzz.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> Fuzz.run(name, dir, "case-ubyte", 16,
                CASES, source, file -> check(file, reader.read(file), header), length -> (8L << 20) + 64L * length, DataException.class));
        Fuzz.assertClean(report);
    }

    private static void check(Path file, IdxFile idx, int header) throws IOException {
        byte[] content = content(Files.readAllBytes(file));
        byte[] data = idx.isImages() ? idx.pixels() : idx.labels();
        assertEquals((long) idx.count() * idx.height() * idx.width(), data.length, "data size");
        assertArrayEquals(Arrays.copyOfRange(content, header, content.length), data, "the data is the file's");
        assertEquals(IdxFiles.sha256(content), idx.sha256());
    }

    /** The uncompressed content (the file as it is when it does not decompress). */
    private static byte[] content(byte[] file) {
        if (file.length < 2 || (file[0] & 0xff) != 0x1f || (file[1] & 0xff) != 0x8b) return file;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            return in.readAllBytes();
        } catch (IOException e) {
            return file;
        }
    }
}
