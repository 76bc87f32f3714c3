package cae.cli;

import cae.data.Cache;
import cae.data.MnistFetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code fetch [NAME]}: MNIST as before, the photographs by name, anything else refused. */
class FetchCommandTest {
    @TempDir Path tmp;

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target);
            }
        }
    }

    @Test
    void anUnknownNameIsAUsageError() {
        CommandLineTest.Result r = CommandLineTest.run("fetch", "cifar");
        assertEquals(Main.USAGE, r.code());
        assertEquals("cae fetch: no data set called \"cifar\"; fetch knows mnist and photos", r.err().lines().findFirst().orElse(""));
    }

    @Test
    void mnistIsStillTheDefault() throws IOException {
        Path mnist = MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        copy(mnist, tmp.resolve("mnist"));
        CommandLineTest.Result r = CommandLineTest.run("fetch", "--cache", tmp.resolve("mnist").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(tmp.resolve("mnist") + System.lineSeparator(), r.out());
        assertTrue(r.err().startsWith("mnist: using verified cache "), r.err());
    }

    @Test
    void photosAreFetchedByName() throws IOException {
        assumeTrue(Files.isDirectory(Cache.photos().resolve("test")), "the photographs are not in the cache (./cae fetch photos puts them there)");
        copy(Cache.photos(), tmp.resolve("photos"));
        CommandLineTest.Result r = CommandLineTest.run("fetch", "photos", "--cache", tmp.resolve("photos").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(tmp.resolve("photos") + System.lineSeparator(), r.out());
        assertEquals("photos: using verified cache " + tmp.resolve("photos") + " (38 photographs: 30 in train/, 8 in test/)" + System.lineSeparator(), r.err());
    }
}
