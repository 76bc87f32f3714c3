package cae.data;

import cae.engine.Pixels;
import cae.io.GreyImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Folders of images: what is found and skipped, colour and conversions, refusals, identity, the store, the parts and noisy twins. */
class ImageFolderTest {
    @TempDir Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private String logText() { return logBytes.toString(StandardCharsets.UTF_8); }

    private ImageFolder.Options options(Path data) {
        return new ImageFolder.Options(data).stores(tmp.resolve("stores")).threads(3).log(log, false);
    }

    // ---- images made here ----

    /** An RGB image whose pixel (x, y) is a function of (x, y, seed). */
    static BufferedImage rgb(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) image.setRGB(x, y, colour(x, y, seed));
        return image;
    }

    static int colour(int x, int y, int seed) {
        return ((x * 37 + seed * 11) & 0xff) << 16 | ((y * 23 + seed * 5) & 0xff) << 8 | ((x * y + seed) & 0xff);
    }

    static BufferedImage grey(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) raster.setSample(x, y, 0, (x * 13 + y * 7 + seed) & 0xff);
        return image;
    }

    static Path write(Path file, BufferedImage image, String format) throws IOException {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(image, format, file.toFile()), "a writer for " + format);
        return file;
    }

    private static int r(int rgb) { return rgb >> 16 & 0xff; }
    private static int g(int rgb) { return rgb >> 8 & 0xff; }
    private static int b(int rgb) { return rgb & 0xff; }

    // ---- what is found ----

    @Test
    void nestedFoldersOfMixedFormatsSizesAndKindsLoadAsColour() throws Exception {
        Path data = tmp.resolve("data");
        write(data.resolve("a/b/colour.PNG"), rgb(20, 15, 1), "png");
        write(data.resolve("grey.jpg"), grey(16, 12, 2), "jpg");
        write(data.resolve("c/bitmap.bmp"), rgb(9, 7, 3), "bmp");
        // a palette image (GIF), a 16-bit grey PNG, and a PNG with alpha
        IndexColorModel palette = new IndexColorModel(8, 4, new byte[] {0, (byte) 200, 10, 90}, new byte[] {0, 50, (byte) 250, 90},
                new byte[] {0, 100, 30, 90});
        BufferedImage indexed = new BufferedImage(6, 5, BufferedImage.TYPE_BYTE_INDEXED, palette);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 6; x++) indexed.getRaster().setSample(x, y, 0, (x + y) % 4);
        write(data.resolve("c/palette.gif"), indexed, "gif");
        BufferedImage deep = new BufferedImage(8, 4, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) deep.getRaster().setSample(x, y, 0, x * 9000 + y * 257);
        write(data.resolve("deep.png"), deep, "png");
        BufferedImage alpha = new BufferedImage(5, 5, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 5; x++) alpha.setRGB(x, y, (x * 60) << 24 | colour(x, y, 4));
        write(data.resolve("alpha.png"), alpha, "png");
        // skipped: hidden files and folders, other files
        write(data.resolve(".hidden.png"), rgb(4, 4, 5), "png");
        write(data.resolve(".git/inside.png"), rgb(4, 4, 6), "png");
        Files.writeString(data.resolve("c/notes.txt"), "not an image");

        ImageFolder folder = ImageFolder.load(options(data).split(new Split(1, 0, 0)));
        assertEquals(3, folder.channels(), "colour images make the folder rgb");
        assertEquals(List.of("a/b/colour.PNG", "alpha.png", "c/bitmap.bmp", "c/palette.gif", "deep.png", "grey.jpg"), folder.all().names());
        assertTrue(logText().contains(data + ": 6 images (skipped 2 hidden files or folders and 1 other file, not PNG, JPEG, BMP or GIF)"), logText());
        Pixels p = folder.train().pixels();
        assertEquals(6, p.count());
        assertFalse(p.sameSize());
        assertEquals(15, p.height(0));
        assertEquals(20, p.width(0));
        for (int y = 0; y < 15; y++)
            for (int x = 0; x < 20; x++) {
                int c = colour(x, y, 1);
                assertEquals(r(c), p.get(0, 0, y, x));
                assertEquals(g(c), p.get(0, 1, y, x));
                assertEquals(b(c), p.get(0, 2, y, x));
            }
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) assertEquals(b(colour(x, y, 4)), p.get(1, 2, y, x), "alpha is dropped: the stored colour stays");
        for (int y = 0; y < 7; y++) for (int x = 0; x < 9; x++) assertEquals(g(colour(x, y, 3)), p.get(2, 1, y, x), "BMP");
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 6; x++) {
                int i = (x + y) % 4;
                assertEquals(palette.getRed(i), p.get(3, 0, y, x), "palette red");
                assertEquals(palette.getBlue(i), p.get(3, 2, y, x), "palette blue");
            }
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 8; x++) {
                int expected = Math.round((x * 9000 + y * 257) / 65535f * 255f);
                for (int c = 0; c < 3; c++) assertEquals(expected, p.get(4, c, y, x), "16-bit grey in every channel");
            }
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 16; x++) {
                assertEquals(p.get(5, 0, y, x), p.get(5, 1, y, x), "a grey JPEG has equal channels");
                assertEquals(p.get(5, 0, y, x), p.get(5, 2, y, x));
            }
    }

    @Test
    void greyModeMatchesWhatDenoiseReads() throws Exception {
        Path data = tmp.resolve("data");
        Path colour = write(data.resolve("colour.png"), rgb(11, 9, 7), "png");
        Path jpeg = write(data.resolve("photo.jpg"), rgb(24, 17, 8), "jpg");
        ImageFolder folder = ImageFolder.load(options(data).color(ImageFolder.Color.GREY).split(new Split(1, 0, 0)));
        assertEquals(1, folder.channels());
        Pixels p = folder.all().pixels();
        int i = 0;
        for (Path file : List.of(colour, jpeg)) {
            GreyImages.Image read = GreyImages.read(file);
            for (int y = 0; y < read.height(); y++)
                for (int x = 0; x < read.width(); x++)
                    assertEquals(Math.round(read.pixels()[y * read.width() + x] * 255f), p.get(i, 0, y, x), file + " at " + x + ", " + y);
            i++;
        }
    }

    @Test
    void autoIsGreyWhenNoFileStoresColourAndRgbRepeatsGrey() throws Exception {
        Path data = tmp.resolve("data");
        write(data.resolve("a.png"), grey(7, 6, 1), "png");
        IndexColorModel greys = new IndexColorModel(8, 3, new byte[] {0, 80, (byte) 255}, new byte[] {0, 80, (byte) 255}, new byte[] {0, 80, (byte) 255});
        BufferedImage indexed = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED, greys);
        write(data.resolve("b.png"), indexed, "png");
        assertEquals(1, ImageFolder.load(options(data)).channels(), "a palette of greys is grey");
        ImageFolder rgb = ImageFolder.load(options(data).color(ImageFolder.Color.RGB).split(new Split(1, 0, 0)));
        assertEquals(3, rgb.channels());
        Pixels p = rgb.all().pixels();
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 7; x++) {
                int v = (x * 13 + y * 7 + 1) & 0xff;
                for (int c = 0; c < 3; c++) assertEquals(v, p.get(0, c, y, x));
            }
    }

    @Test
    void idxFoldersAreToldFromImageFolders() throws Exception {
        Path idx = Files.createDirectories(tmp.resolve("idx")), photos = tmp.resolve("photos");
        Files.write(idx.resolve(DataSet.TEST_IMAGES + ".gz"), new byte[] {1});
        write(photos.resolve("a.png"), grey(3, 3, 0), "png");
        assertTrue(DataSet.isIdxFolder(idx));
        assertFalse(DataSet.isIdxFolder(photos));
    }

    @Test
    void colourOptionIsParsed() {
        assertEquals(ImageFolder.Color.GREY, ImageFolder.Color.parse("grey"));
        assertEquals(ImageFolder.Color.GREY, ImageFolder.Color.parse("Gray"));
        assertEquals(ImageFolder.Color.RGB, ImageFolder.Color.parse("rgb"));
        String m = assertThrows(IllegalArgumentException.class, () -> ImageFolder.Color.parse("cmyk")).getMessage();
        assertEquals("takes grey or rgb (or auto: rgb when any image has colour), got \"cmyk\"", m);
    }

    // ---- refusals ----

    @Test
    void anUnreadableFileIsNamedInOneLine() throws Exception {
        Path data = tmp.resolve("data");
        write(data.resolve("good.png"), rgb(8, 8, 1), "png");
        Path bad = Files.write(Files.createDirectories(data.resolve("sub")).resolve("broken.png"), "this is not a PNG".getBytes(StandardCharsets.UTF_8));
        DataException e = assertThrows(DataException.class, () -> ImageFolder.load(options(data)));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        byte[] png = Files.readAllBytes(data.resolve("good.png"));
        Files.write(bad, Arrays.copyOf(png, png.length - 30));  // cut inside the image data
        e = assertThrows(DataException.class, () -> ImageFolder.load(options(data)));
        assertTrue(e.getMessage().startsWith(bad + " could not be read as an image: "), e.getMessage());
        try (Stream<Path> stores = Files.list(tmp.resolve("stores"))) {
            assertEquals(List.of(), stores.filter(f -> !f.toString().endsWith(".lock")).toList(), "a failed decode leaves no store or temporary file");
        }
    }

    @Test
    void anImageAboveThePixelCapIsRefusedBeforeDecoding() throws Exception {
        Path data = tmp.resolve("data");
        Path big = write(data.resolve("big.png"), grey(300, 200, 1), "png");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.load(options(data).maxPixels(59_999)));
        assertEquals(big + " is 300 x 200 = 60000 pixels by its header, more than the 59999 allowed; give --max-pixels 60000 to use it, "
                + "or move it out of the folder", e.getMessage());
        assertEquals(1, ImageFolder.load(options(data).maxPixels(60_000)).all().count());
    }

    @Test
    void aCmykJpegIsConvertedWithAWarningNamingIt() throws Exception {
        Path data = tmp.resolve("data");
        write(data.resolve("fine.png"), grey(8, 8, 1), "png");
        // four 8-bit samples per pixel, written as a raster: a JPEG that Java reads as CMYK
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) for (int c = 0; c < 4; c++) raster.setSample(x, y, c, x * 10 + c * 40);
        Path cmyk = data.resolve("cmyk.jpg");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(cmyk.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        ImageFolder folder = ImageFolder.load(options(data).split(new Split(1, 0, 0)));
        assertEquals(3, folder.channels(), "CMYK is colour");
        BufferedImage decoded = ImageIO.read(cmyk.toFile());
        assertEquals(r(decoded.getRGB(5, 3)), folder.all().pixels().get(0, 0, 3, 5), "Java's own CMYK to RGB conversion");
        assertEquals(b(decoded.getRGB(5, 3)), folder.all().pixels().get(0, 2, 3, 5));
        assertTrue(logText().contains("warning: " + cmyk + ": CMYK colours converted to RGB without a colour profile; they may be off "
                + "(the image is used as decoded)"), logText());
    }

    @Test
    void aMissingOrEmptyFolderIsNamed() throws Exception {
        Path missing = tmp.resolve("nothing-here");
        assertEquals(missing + ": data folder not found.", assertThrows(DataException.class, () -> ImageFolder.load(options(missing))).getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "hi");
        assertEquals(empty + ": no PNG, JPEG, BMP or GIF images in this folder or its subfolders (skipped 1 other file, not PNG, JPEG, BMP or GIF).",
                assertThrows(DataException.class, () -> ImageFolder.load(options(empty))).getMessage());
    }

    @Test
    void aJpegCutShortIsUsedWithOneWarningLineNamingIt() throws Exception {
        Path data = tmp.resolve("data");
        Random random = new Random(3);
        BufferedImage noise = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 40; x++) noise.setRGB(x, y, random.nextInt());
        Path whole = write(data.resolve("whole.jpg"), noise, "jpg");
        byte[] jpeg = Files.readAllBytes(whole);
        Path cut = Files.write(data.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        ImageFolder folder = ImageFolder.load(options(data));
        assertEquals(2, folder.all().count());
        List<String> warnings = logText().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), logText());
        assertTrue(warnings.get(0).startsWith("warning: " + cut + ": "), warnings.get(0));
        assertTrue(warnings.get(0).endsWith(" (the image is used as decoded)"), warnings.get(0));
    }

    // ---- identity ----

    @Test
    void theIdentityIsTheHashOfSortedPathsAndContentsAndChangesOnlyWithTheImages() throws Exception {
        Path data = tmp.resolve("data");
        Path a = write(data.resolve("x/a.png"), rgb(6, 5, 1), "png");
        Path b = write(data.resolve("b.png"), rgb(5, 6, 2), "png");
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (Object[] image : new Object[][] {{"b.png", b}, {"x/a.png", a}}) {
            byte[] content = Files.readAllBytes((Path) image[1]);
            expected.update(((String) image[0]).getBytes(StandardCharsets.UTF_8));
            expected.update((byte) 0);
            expected.update(ByteBuffer.allocate(8).putLong(content.length).array());
            expected.update(MessageDigest.getInstance("SHA-256").digest(content));
        }
        String first = ImageFolder.load(options(data)).identity();
        assertEquals(HexFormat.of().formatHex(expected.digest()), first);

        Files.writeString(data.resolve("notes.txt"), "other files do not count");
        write(data.resolve(".thumbs/a.png"), rgb(3, 3, 9), "png");
        assertEquals(first, ImageFolder.load(options(data)).identity(), "skipped files do not change it");

        Path copy = Files.createDirectories(tmp.resolve("copy"));
        Files.copy(a, Files.createDirectories(copy.resolve("x")).resolve("a.png"));
        Files.copy(b, copy.resolve("b.png"));
        assertEquals(first, ImageFolder.load(options(copy)).identity(), "the same images elsewhere");

        Files.move(copy.resolve("b.png"), copy.resolve("c.png"));
        String renamed = ImageFolder.load(options(copy)).identity();
        assertNotEquals(first, renamed, "a renamed image changes it");
        write(copy.resolve("c.png"), rgb(5, 6, 3), "png");
        assertNotEquals(renamed, ImageFolder.load(options(copy)).identity(), "a changed image changes it");
    }

    // ---- the store ----

    private List<Path> stores() throws IOException {
        try (Stream<Path> files = Files.list(tmp.resolve("stores"))) {
            return files.filter(f -> f.toString().endsWith(PixelStore.SUFFIX)).sorted().toList();
        }
    }

    @Test
    void theStoreIsWrittenOnceReusedAndReplacedWhenTheFolderChanges() throws Exception {
        Path data = tmp.resolve("data");
        for (int i = 0; i < 5; i++) write(data.resolve("img" + i + ".png"), rgb(10 + i, 8 + 2 * i, i), "png");
        ImageFolder first = ImageFolder.load(options(data));
        List<Path> stores = stores();
        assertEquals(1, stores.size());
        String name = stores.get(0).getFileName().toString();
        assertTrue(name.matches("[0-9a-f]{16}-rgb-" + first.identity().substring(0, 16) + "\\.pixels"), name);
        assertTrue(logText().contains("decoding " + data + ": 5 images in "), logText());
        byte[] firstPixels = first.all().pixels().toArray();

        logBytes.reset();
        Object inode = Files.readAttributes(stores.get(0), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        ImageFolder again = ImageFolder.load(options(data));
        assertTrue(logText().contains(data + ": using the decoded images in " + stores.get(0)), logText());
        assertFalse(logText().contains("decoding"), "nothing decoded a second time: " + logText());
        assertEquals(inode, Files.readAttributes(stores.get(0), java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        assertArrayEquals(firstPixels, again.all().pixels().toArray());

        // another mode is another store; both stay
        ImageFolder grey = ImageFolder.load(options(data).color(ImageFolder.Color.GREY));
        assertEquals(1, grey.channels());
        assertEquals(2, stores().size());

        // a changed folder: a new store, and the stale one of the same mode removed
        write(data.resolve("img5.png"), rgb(7, 7, 5), "png");
        logBytes.reset();
        ImageFolder changed = ImageFolder.load(options(data));
        assertNotEquals(first.identity(), changed.identity());
        List<Path> now = stores();
        assertEquals(2, now.size(), "the rgb store of the old folder is gone, the grey one stays: " + now);
        assertFalse(now.contains(stores.get(0)));
        assertTrue(logText().contains("removed " + stores.get(0) + ", decoded from an earlier state of the folder"), logText());
        assertEquals(6, changed.all().count());
    }

    @Test
    void aDamagedStoreOrAKilledWritersLeftoverIsReplaced() throws Exception {
        Path data = tmp.resolve("data");
        for (int i = 0; i < 3; i++) write(data.resolve("img" + i + ".png"), grey(9, 9, i), "png");
        byte[] pixels = ImageFolder.load(options(data)).all().pixels().toArray();
        Path store = stores().get(0);
        byte[] bytes = Files.readAllBytes(store);
        Files.write(store, Arrays.copyOf(bytes, bytes.length - 1));
        Path leftover = Files.writeString(tmp.resolve("stores").resolve("." + store.getFileName() + ".0123abcd.tmp"), "half written");
        logBytes.reset();
        assertArrayEquals(pixels, ImageFolder.load(options(data)).all().pixels().toArray());
        assertTrue(logText().contains(store + " cannot be used (its size is "), logText());
        assertFalse(Files.exists(leftover), "a temporary file of this folder's stores is removed");
        assertArrayEquals(bytes, Files.readAllBytes(store));
    }

    @Test
    void aSmallRegionLimitCutsTheStoreIntoRegionsThatNoImageStraddles() throws Exception {
        Path data = tmp.resolve("data");
        int[][] sizes = {{10, 10}, {12, 9}, {20, 3}, {7, 7}, {15, 14}, {4, 30}};
        for (int i = 0; i < sizes.length; i++) write(data.resolve("img" + i + ".png"), rgb(sizes[i][0], sizes[i][1], i), "png");
        long limit = 3 * 15 * 14 + 100;  // the largest image and a little
        ImageFolder whole = ImageFolder.load(options(data).stores(tmp.resolve("one-region")).split(new Split(1, 0, 0)));
        ImageFolder cut = ImageFolder.load(options(data).regionLimit(limit).split(new Split(1, 0, 0)));
        Pixels p = cut.all().pixels();
        for (int i = 0; i < p.count(); i++) {
            assertTrue(p.buffer(i).capacity() <= limit);
            assertTrue(p.offset(i) + 3L * p.height(i) * p.width(i) <= p.buffer(i).capacity(), "image " + i + " lies inside its region");
        }
        assertTrue(identityCount(p) >= 3, identityCount(p) + " regions");
        assertEquals(1, identityCount(whole.all().pixels()), "without a limit, one region");
        assertArrayEquals(whole.all().pixels().toArray(), p.toArray());

        DataException e = assertThrows(DataException.class, () -> ImageFolder.load(options(data).stores(tmp.resolve("tiny")).regionLimit(3 * 15 * 14 - 1)));
        assertTrue(e.getMessage().startsWith(data.resolve("img4.png") + " is 15 x 14 pixels, 630 bytes in 3 channels, more than one store region holds"),
                e.getMessage());
    }

    private static int identityCount(Pixels p) {
        Set<ByteBuffer> buffers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < p.count(); i++) buffers.add(p.buffer(i));
        return buffers.size();
    }

    @Test
    void theStoreIsTheSameWithOneThreadOrMany() throws Exception {
        Path data = tmp.resolve("data");
        for (int i = 0; i < 12; i++) write(data.resolve("img" + i + (i % 2 == 0 ? ".png" : ".jpg")), rgb(5 + i, 20 - i, i), i % 2 == 0 ? "png" : "jpg");
        ImageFolder.load(options(data).threads(1).stores(tmp.resolve("one")));
        ImageFolder.load(options(data).threads(4).stores(tmp.resolve("four")));
        Path one, four;
        try (Stream<Path> a = Files.list(tmp.resolve("one")); Stream<Path> b = Files.list(tmp.resolve("four"))) {
            one = a.filter(f -> f.toString().endsWith(".pixels")).findFirst().orElseThrow();
            four = b.filter(f -> f.toString().endsWith(".pixels")).findFirst().orElseThrow();
        }
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(four));
    }

    // ---- parts ----

    @Test
    void theSplitIsByPathAndNoFileMovesWhenFilesAreAdded() throws Exception {
        Path data = tmp.resolve("data");
        for (int i = 0; i < 40; i++) write(data.resolve("d" + i % 3 + "/img" + i + ".png"), grey(4, 4, i), "png");
        ImageFolder before = ImageFolder.load(options(data));
        assertEquals(40, before.train().count() + before.validation().count() + before.test().count());
        for (ImageFolder.Part part : List.of(before.train(), before.validation(), before.test()))
            for (String name : part.names()) assertEquals(part.part(), Split.DEFAULT.partOf(name), name);
        for (int i = 40; i < 100; i++) write(data.resolve("d" + i % 3 + "/img" + i + ".png"), grey(4, 4, i), "png");
        ImageFolder after = ImageFolder.load(options(data));
        assertEquals(100, after.train().count() + after.validation().count() + after.test().count());
        for (ImageFolder.Part part : List.of(before.train(), before.validation(), before.test())) {
            ImageFolder.Part same = part.part() == Split.Part.TRAIN ? after.train() : part.part() == Split.Part.VALIDATION ? after.validation() : after.test();
            assertTrue(same.names().containsAll(part.names()), part.part() + " keeps its files");
        }
        // the pixels of a part are its images'
        ImageFolder.Part test = after.test();
        assertFalse(test.isEmpty());
        int n = Integer.parseInt(test.names().get(0).replaceAll(".*img(\\d+)\\.png", "$1"));
        assertEquals((1 * 13 + 2 * 7 + n) & 0xff, test.pixels().get(0, 0, 2, 1));
    }

    @Test
    void validationAndTestFoldersReplaceTheirPartsOfTheSplit() throws Exception {
        Path data = tmp.resolve("data"), val = tmp.resolve("val"), test = tmp.resolve("test");
        for (int i = 0; i < 20; i++) write(data.resolve("img" + i + ".png"), grey(4, 4, i), "png");
        write(val.resolve("v.png"), grey(5, 5, 1), "png");
        write(test.resolve("t1.png"), grey(6, 6, 2), "png");
        write(test.resolve("t2.png"), grey(6, 7, 3), "png");
        ImageFolder both = ImageFolder.load(options(data).validation(val).test(test));
        assertEquals(20, both.train().count(), "with both folders given, all of --data trains");
        assertEquals(List.of("v.png"), both.validation().names());
        assertEquals(val, both.validation().folder());
        assertEquals(List.of("t1.png", "t2.png"), both.test().names());
        assertEquals(Set.of("data", "validation", "test"), both.identities().keySet());

        ImageFolder testOnly = ImageFolder.load(options(data).test(test));
        assertEquals(new Split(0.8 / 0.9, 0.1 / 0.9, 0), testOnly.split());
        assertEquals(20, testOnly.train().count() + testOnly.validation().count());
        for (String name : testOnly.validation().names()) assertEquals(Split.Part.VALIDATION, testOnly.split().partOf(name));
    }

    @Test
    void noisyTwinsComeInTheSameOrderAndAreRefusedWhenMissingOrOfAnotherSize() throws Exception {
        Path clean = tmp.resolve("clean"), noisy = tmp.resolve("noisy");
        for (int i = 0; i < 12; i++) {
            write(clean.resolve("s" + i % 2 + "/img" + i + ".png"), grey(6 + i, 5, i), "png");
            write(noisy.resolve("s" + i % 2 + "/img" + i + ".png"), grey(6 + i, 5, 100 + i), "png");
        }
        write(noisy.resolve("extra.png"), grey(3, 3, 0), "png");
        ImageFolder folder = ImageFolder.load(options(clean).noisy(noisy));
        for (ImageFolder.Part part : List.of(folder.train(), folder.validation(), folder.test())) {
            assertNotNull(part.noisy());
            assertEquals(part.count(), part.noisy().count());
            for (int k = 0; k < part.count(); k++) {
                int i = Integer.parseInt(part.names().get(k).replaceAll(".*img(\\d+)\\.png", "$1"));
                assertEquals(part.pixels().width(k), part.noisy().width(k));
                assertEquals((13 + 100 + i) & 0xff, part.noisy().get(k, 0, 0, 1), "the twin of " + part.names().get(k));
                assertEquals((13 + i) & 0xff, part.pixels().get(k, 0, 0, 1));
            }
        }
        assertTrue(logText().contains("note: 1 image of " + noisy + " has no clean twin in " + clean + " and is not used: extra.png"), logText());

        write(noisy.resolve("s1/img3.png"), grey(9, 6, 0), "png");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.load(options(clean).noisy(noisy)));
        assertEquals(noisy.resolve("s1/img3.png") + " is 9 x 6 pixels but its clean twin " + clean.resolve("s1/img3.png")
                + " is 9 x 5; a noisy image must have its clean image's size", e.getMessage());
        Files.delete(noisy.resolve("s1/img3.png"));
        e = assertThrows(DataException.class, () -> ImageFolder.load(options(clean).noisy(noisy)));
        assertEquals(noisy.resolve("s1/img3.png") + ": missing; every image of " + clean + " needs its noisy twin at the same relative path in "
                + noisy + " (any image extension)", e.getMessage());

        // a twin kept in another format is found by its path without the extension, unless two could be it
        write(noisy.resolve("s1/img3.bmp"), grey(9, 5, 103), "bmp");
        ImageFolder byStem = ImageFolder.load(options(clean).noisy(noisy));
        ImageFolder.Part all = byStem.all();
        int k = all.names().indexOf("s1/img3.png");
        assertEquals((13 + 103) & 0xff, all.noisy().get(k, 0, 0, 1), "s1/img3.bmp is the twin of s1/img3.png");
        write(noisy.resolve("s1/img3.gif"), grey(9, 5, 7), "gif");
        e = assertThrows(DataException.class, () -> ImageFolder.load(options(clean).noisy(noisy)));
        assertTrue(e.getMessage().contains("s1/img3.bmp and s1/img3.gif could each be the noisy twin of " + clean.resolve("s1/img3.png")),
                e.getMessage());
        Files.delete(noisy.resolve("s1/img3.gif"));
        Files.delete(noisy.resolve("s1/img3.bmp"));

        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(options(clean).noisy(noisy).test(noisy)));
        assertTrue(both.getMessage().startsWith("--noisy-data pairs the images of --data only"), both.getMessage());
    }
}
