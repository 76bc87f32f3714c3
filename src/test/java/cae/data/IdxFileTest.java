package cae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static cae.data.IdxFiles.gzip;
import static cae.data.IdxFiles.idx;
import static cae.data.IdxFiles.images;
import static cae.data.IdxFiles.labels;
import static cae.data.IdxFiles.pixels;
import static cae.data.IdxFiles.sha256;
import static cae.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxFileTest {
    @TempDir Path dir;

    private String failure(Path file, boolean images) {
        DataException e = assertThrows(DataException.class,
                () -> { if (images) IdxFile.readImages(file); else IdxFile.readLabels(file); });
        assertTrue(e.getMessage().startsWith(file.toString()), () -> "message should name the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test void readsRawImages() throws IOException {
        byte[] content = images(3, 2, 4, 250);
        IdxFile f = IdxFile.readImages(write(dir.resolve("imgs"), content));
        assertEquals(3, f.count());
        assertEquals(2, f.height());
        assertEquals(4, f.width());
        assertTrue(f.isImages());
        assertArrayEquals(pixels(3, 2, 4, 250), f.pixels());
        assertEquals(sha256(content), f.sha256());
    }

    @Test void readsGzipByContentNotByName() throws IOException {
        byte[] content = images(5, 3, 2, 1);
        IdxFile f = IdxFile.readImages(write(dir.resolve("no-gz-suffix"), gzip(content)));
        assertEquals(5, f.count());
        assertArrayEquals(pixels(5, 3, 2, 1), f.pixels());
        assertEquals(sha256(content), f.sha256(), "the hash is of the uncompressed content");
    }

    @Test void readsLabelsRawAndGzip() throws IOException {
        byte[] content = labels(12);
        for (byte[] stored : new byte[][] {content, gzip(content)}) {
            IdxFile f = IdxFile.readLabels(write(dir.resolve("labels"), stored));
            assertEquals(12, f.count());
            assertEquals(sha256(content), f.sha256());
            assertArrayEquals(Arrays.copyOfRange(content, 8, 20), f.labels());
        }
    }

    @Test void wrongMagicSaysWhatWasFoundAndExpected() throws IOException {
        Path labelFile = write(dir.resolve("labels"), labels(4));
        String m = failure(labelFile, true);
        assertTrue(m.contains("wrong magic number 0x00000801 (IDX labels"), m);
        assertTrue(m.contains("expected 0x00000803 (IDX images"), m);

        Path text = write(dir.resolve("page.html"), "<html>not found</html>".getBytes());
        m = failure(text, true);
        assertTrue(m.contains("wrong magic number 0x3C68746D (not an IDX file)"), m);
    }

    @Test void truncatedDataSaysExpectedAndFound() throws IOException {
        byte[] full = images(3, 2, 4, 0);
        Path file = write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 4));
        assertEquals(file + ": truncated, expected 24 bytes of data for 3 x 2 x 4, found 20.", failure(file, true));
    }

    @Test void truncatedHeader() throws IOException {
        Path file = write(dir.resolve("cut"), Arrays.copyOf(images(3, 2, 4, 0), 10));
        assertEquals(file + ": truncated, expected a 16-byte IDX header, found 10 bytes in all.", failure(file, true));
    }

    @Test void extraBytesAfterTheData() throws IOException {
        byte[] full = images(1, 2, 2, 0);
        Path file = write(dir.resolve("long"), Arrays.copyOf(full, full.length + 3));
        assertEquals(file + ": 3 unexpected bytes after the 4 bytes of data for 1 x 2 x 2.", failure(file, true));
    }

    @Test void zeroDimension() throws IOException {
        Path file = write(dir.resolve("empty"), idx(IdxFile.IMAGES_MAGIC, new int[] {0, 28, 28}, new byte[0]));
        assertTrue(failure(file, true).contains("dimensions 0 x 28 x 28 are invalid"));
        Path labelFile = write(dir.resolve("nolabels"), idx(IdxFile.LABELS_MAGIC, new int[] {0}, new byte[0]));
        assertTrue(failure(labelFile, false).contains("dimensions 0 are invalid"));
    }

    @Test void corruptOrCutGzip() throws IOException {
        byte[] gz = gzip(images(50, 8, 8, 3));
        Path cut = write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertTrue(failure(cut, true).contains("not a valid gzip file, it is corrupt or cut short"));

        byte[] damaged = gz.clone();
        for (int i = 20; i < 60; i++) damaged[i] ^= (byte) 0x5a;
        Path bad = write(dir.resolve("bad.gz"), damaged);
        String m = failure(bad, true);
        assertTrue(m.contains("not a valid gzip file"), m);
    }

    @Test void missingFileAndDirectory() {
        Path missing = dir.resolve("nothing-here");
        assertEquals(missing + ": file not found.", failure(missing, true));
        assertEquals(dir + " is a directory, not an IDX file.", failure(dir, false));
    }
}
