package cae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The photographs' fetcher against fake sources (no network), and the .deb unpacking against a package built here. */
class PhotoFetcherTest {
    @TempDir Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    /** A source that writes {@code content(entry)} for each wanted entry, and records what it was asked. */
    private static final class Fake implements PhotoFetcher.Source {
        final Map<String, byte[]> content;
        final List<String> asked = new ArrayList<>();

        Fake(Map<String, byte[]> content) { this.content = content; }

        @Override public String describe(PhotoFetcher.Package pkg) { return "fake " + pkg.name(); }

        @Override public void fetch(PhotoFetcher.Package pkg, Map<String, Path> wanted, Path work) throws IOException {
            for (Map.Entry<String, Path> e : wanted.entrySet()) {
                asked.add(e.getKey());
                byte[] bytes = content.get(e.getKey());
                if (bytes != null) Files.write(e.getValue(), bytes);
            }
        }
    }

    private static PhotoFetcher.Source failing(String why) {
        return new PhotoFetcher.Source() {
            @Override public String describe(PhotoFetcher.Package pkg) { return "broken " + pkg.name(); }
            @Override public void fetch(PhotoFetcher.Package pkg, Map<String, Path> wanted, Path work) throws IOException { throw new IOException(why); }
        };
    }

    @Test
    void theListIsConsistent() {
        assertEquals(38, PhotoFetcher.PHOTOS.size());
        assertEquals(8, PhotoFetcher.PHOTOS.stream().filter(p -> p.target().startsWith("test/")).count());
        Set<String> names = PhotoFetcher.PHOTOS.stream().map(p -> p.target().substring(p.target().indexOf('/') + 1)).collect(Collectors.toSet());
        assertEquals(38, names.size(), "no two photographs share a name");
        for (PhotoFetcher.Photo p : PhotoFetcher.PHOTOS) {
            assertTrue(p.sha256().matches("[0-9a-f]{64}"), p.target());
            assertTrue(FolderListing.isImageName(Path.of(p.target())), p.target());
            assertTrue(p.entry().startsWith("./usr/") && p.entry().endsWith("/" + Path.of(p.target()).getFileName()), p.entry());
        }
    }

    @Test
    void wrongBytesAreNotCachedAndEveryTryIsNamed() throws IOException {
        Path cache = tmp.resolve("photos");
        Fake fake = new Fake(new LinkedHashMap<>());
        for (PhotoFetcher.Photo p : PhotoFetcher.PHOTOS) fake.content.put(p.entry(), "not a photograph".getBytes(StandardCharsets.UTF_8));
        DataException e = assertThrows(DataException.class,
                () -> PhotoFetcher.ensure(cache, log, List.of(failing("host not found"), fake)));
        String sha = HexFormat.of().formatHex(Sha256.newDigest().digest("not a photograph".getBytes(StandardCharsets.UTF_8)));
        assertEquals("the photographs of opencv-doc=4.6.0+dfsg-12 could not be fetched into " + cache + "; tried: broken opencv-doc (host not found); "
                + "fake opencv-doc (aero1.jpg has sha256 " + sha + ", expected d9a69191f6e3642ea361bc3c62e677b2f40fe6534b78da540f4155e0734b59ef).",
                e.getMessage());
        assertFalse(Files.exists(cache.resolve("train/aero1.jpg")), "an unverified file never enters the cache");
        try (Stream<Path> left = Files.list(cache)) {
            assertEquals(Set.of(cache.resolve("train"), cache.resolve("test")), left.collect(Collectors.toSet()), "no scratch folder left");
        }
    }

    @Test
    void aSourceThatGivesNothingIsNamed() {
        Path cache = tmp.resolve("photos");
        DataException e = assertThrows(DataException.class, () -> PhotoFetcher.ensure(cache, log, List.of(new Fake(Map.of()))));
        assertTrue(e.getMessage().endsWith("tried: fake opencv-doc (it gave no aero1.jpg)."), e.getMessage());
    }

    /** The real photographs, from the packages already unpacked on this machine or fetched once into the user's cache. */
    @Test
    void realPhotographsAreVerifiedCachedAndLoad() throws Exception {
        assumeTrue(Boolean.getBoolean("cae.test.photos") || Files.isDirectory(Cache.photos().resolve("test")),
                "set -Dcae.test.photos=true to fetch the photographs (about 115 MB of Debian packages)");
        Path real = PhotoFetcher.ensure(Cache.photos(), log);
        // a copy served by a fake source: only the missing files are asked for, and all arrive verified
        Map<String, byte[]> content = new LinkedHashMap<>();
        for (PhotoFetcher.Photo p : PhotoFetcher.PHOTOS) content.put(p.entry(), Files.readAllBytes(real.resolve(p.target())));
        Path cache = tmp.resolve("photos");
        Files.createDirectories(cache.resolve("test"));
        Files.copy(real.resolve("test/camera.png"), cache.resolve("test/camera.png"));
        Fake fake = new Fake(content);
        assertEquals(cache, PhotoFetcher.ensure(cache, log, List.of(fake)));
        assertEquals(37, fake.asked.size(), "the cached photograph is not asked for");
        for (PhotoFetcher.Photo p : PhotoFetcher.PHOTOS) assertEquals(p.sha256(), Sha256.ofFile(cache.resolve(p.target())), p.target());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).endsWith("photos: verified and cached in " + cache
                + " (38 photographs: 30 in train/, 8 in test/)" + System.lineSeparator()));

        // checked again on every call: a damaged one is fetched anew
        Files.write(cache.resolve("train/moon.png"), new byte[] {1, 2, 3});
        fake.asked.clear();
        PhotoFetcher.ensure(cache, log, List.of(fake));
        assertEquals(List.of("./usr/lib/python3/dist-packages/skimage/data/moon.png"), fake.asked);

        ImageFolder folder = ImageFolder.load(new ImageFolder.Options(cache.resolve("train")).test(cache.resolve("test"))
                .stores(tmp.resolve("stores")).threads(2));
        assertEquals(3, folder.channels());
        assertEquals(30, folder.train().count() + folder.validation().count());
        assertEquals(8, folder.test().count());
    }

    /** dpkg-deb and the tar reader on a package built here: the wanted entries come out, a missing one is named. */
    @Test
    void aDebIsUnpackedWithDpkgDeb() throws Exception {
        assumeTrue(Programs.find("dpkg-deb") != null, "dpkg-deb is not installed");
        Path root = tmp.resolve("pkg");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), "Package: cae-test\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.org>\n"
                + "Description: a test package\n");
        Path data = Files.createDirectories(root.resolve("usr/share/cae-test/data"));
        byte[] photo = new byte[70_000];
        for (int i = 0; i < photo.length; i++) photo[i] = (byte) (i * 31);
        Files.write(data.resolve("photo.jpg"), photo);
        Files.writeString(data.resolve("other.txt"), "x");
        Path deb = tmp.resolve("cae-test.deb");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Programs.run(List.of(Programs.find("dpkg-deb").toString(), "--root-owner-group", "--build", root.toString(), deb.toString()), tmp,
                tmp.resolve("build.log"), 120, Map.of());
        Path out = work.resolve("out");
        PhotoFetcher.unpack(deb, Map.of("./usr/share/cae-test/data/photo.jpg", out), work);
        assertArrayEquals(photo, Files.readAllBytes(out));
        IOException e = assertThrows(IOException.class, () -> PhotoFetcher.unpack(deb, Map.of("./usr/share/cae-test/data/nothing.jpg", out), work));
        assertEquals("cae-test.deb has no ./usr/share/cae-test/data/nothing.jpg", e.getMessage());
        Path notDeb = Files.writeString(tmp.resolve("broken.deb"), "not a deb");
        e = assertThrows(IOException.class, () -> PhotoFetcher.unpack(notDeb, Map.of("./x", out), work));
        assertTrue(e.getMessage().startsWith("dpkg-deb --fsys-tarfile broken.deb failed: ") || e.getMessage().startsWith("tar archive ends"), e.getMessage());
    }
}
