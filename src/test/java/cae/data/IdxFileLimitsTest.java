package cae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;

import static cae.data.IdxFiles.gzip;
import static cae.data.IdxFiles.idx;
import static cae.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.*;

/** Memory follows what an IDX file holds, not what its header claims. */
class IdxFileLimitsTest {
    @TempDir Path dir;

    /** The bytes this thread allocates while reading {@code file}, which must fail with a message starting with {@code expected}. */
    private static long allocatedToRefuse(Path file, String expected) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        DataException e = assertThrows(DataException.class, () -> IdxFile.readImages(file));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        return allocated;
    }

    @Test
    void aSmallFileClaimingTwoMillionImagesAllocatesLittle() throws Exception {
        byte[] content = idx(IdxFile.IMAGES_MAGIC, new int[] {2_000_000, 28, 28}, new byte[1008]);  // 1 KB in all
        Path raw = write(dir.resolve("raw"), content);
        long allocated = allocatedToRefuse(raw, raw + ": truncated, expected 1568000000 bytes of data for 2000000 x 28 x 28, found 1008.");
        assertTrue(allocated < 4L << 20, allocated + " bytes allocated for a 1 KB file");

        Path compressed = write(dir.resolve("compressed.gz"), gzip(content));
        allocated = allocatedToRefuse(compressed, compressed + ": truncated, expected 1568000000 bytes of data for 2000000 x 28 x 28, found 1008.");
        assertTrue(allocated < 4L << 20, allocated + " bytes allocated for a compressed 1 KB file");
    }

    @Test
    void aCompressedFileIsReadWholeThoughItsBufferStartsSmall() throws Exception {
        byte[] pixels = new byte[300 * 28 * 28];  // compresses to far less than its size: the buffer grows as it decompresses
        Arrays.fill(pixels, (byte) 7);
        IdxFile f = IdxFile.readImages(write(dir.resolve("zeros.gz"), gzip(idx(IdxFile.IMAGES_MAGIC, new int[] {300, 28, 28}, pixels))));
        assertEquals(300, f.count());
        assertArrayEquals(pixels, f.pixels());
    }

    @Test
    void sizesWhoseProductOverflowsAreReportedAsTheyAre() throws Exception {
        int max = Integer.MAX_VALUE;
        Path file = write(dir.resolve("huge"), idx(IdxFile.IMAGES_MAGIC, new int[] {max, max, max}, new byte[16]));
        allocatedToRefuse(file, file + ": dimensions 2147483647 x 2147483647 x 2147483647 make 9903520300447984150353281023 bytes of data");
    }
}
