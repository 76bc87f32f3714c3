package cae.data;

import cae.fuzz.Fuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damaged PNG, JPEG, GIF and BMP files (seeds fixed) through the loader's per-file path (hash and
 * header, then decoding into 8-bit planes): each is read with the size its header gave, or refused with
 * one line naming the file; a size above the cap is refused before anything is decoded.
 */
class ImageFolderFuzzTest {
    private static final int CASES = 2_000;
    private static final long MAX_PIXELS = 1_000_000;

    @Test
    void damagedImagesAreReadOrRefusedInOneLine(@TempDir Path dir) throws Exception {
        IndexColorModel palette = new IndexColorModel(8, 4, new byte[] {0, 90, (byte) 200, 40}, new byte[] {0, 10, 20, (byte) 250},
                new byte[] {0, 60, 0, 90});
        byte[][] seeds = {encode(ImageFolderTest.rgb(20, 14, 1), "png"), encode(ImageFolderTest.rgb(16, 16, 2), "jpg"),
                encode(new BufferedImage(12, 9, BufferedImage.TYPE_BYTE_INDEXED, palette), "gif"), encode(ImageFolderTest.rgb(10, 6, 3), "bmp")};
        Fuzz.Source source = (r, i) -> Fuzz.mutate(seeds[i % seeds.length], r, 64);
        Fuzz.Parser parser = file -> {
            ImageFolder.Scanned scanned = ImageFolder.scanOne(new FolderListing.Entry(file.getFileName().toString(), file), MAX_PIXELS);
            assertTrue(scanned.header().pixels() <= MAX_PIXELS, "within the cap");
            ImageFolder.Decoded decoded = ImageFolder.decodeOne(scanned, 3, MAX_PIXELS);
            assertEquals(3 * scanned.header().pixels(), decoded.pixels().length, "three planes of the header's size");
        };
        Fuzz.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> Fuzz.run("image-folder", dir, "case-image", 23, CASES,
                source, parser, length -> (16L << 20) + 64L * length + 48 * MAX_PIXELS, DataException.class));
        Fuzz.assertClean(report);
    }

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }
}
