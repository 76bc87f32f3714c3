package cae.data;

import cae.io.ProgressBar;
import cae.engine.Pixels;
import cae.io.GreyImages;
import cae.io.ImageFiles;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A folder of photographs (PNG, JPEG, BMP or GIF, any sizes, searched recursively) as training,
 * validation and test images: read and hashed, decoded once in parallel into an 8-bit store under the
 * cache (reused while the folder is unchanged) and handed out as memory-mapped {@link Pixels}.
 *
 * <p>Colour: {@link Color#GREY} converts colour to grey (luma 0.299 R + 0.587 G + 0.114 B, as denoise
 * does), {@link Color#RGB} gives grey images three equal channels, {@link Color#AUTO} is RGB when any
 * image's file stores colour (an RGB image, or a palette with a colour that is not grey) and grey
 * otherwise. Samples are taken as stored (16-bit ones rounded to 8 bits, palettes looked up, no colour
 * management); alpha is dropped, as denoise drops it: the colour stored under a transparent pixel is used
 * as it is. A GIF gives its first frame. A CMYK JPEG is converted by Java's plain formula (no colour
 * profile), with a warning naming it; a file whose colours Java cannot decode at all is refused in one
 * line naming it.
 *
 * <p>Parts: validation and test come from {@code --val}/{@code --test} folders when given (all of their
 * images), else from the {@link Split} of the data folder by each file's relative path; when one of
 * them comes from a folder of its own, the split's other fractions are scaled to add up to 1.
 * With noisy twins ({@code --noisy-data}), each clean image of the data folder has the image of the same
 * relative path (or of the same path with another image extension) and size in the noisy folder,
 * handed out in the same order.
 *
 * <p>Identity: a folder's identity is the SHA-256 over its images in sorted order of relative path, for
 * each the path in UTF-8, a 0 byte, the file's length as 8 big-endian bytes and the SHA-256 of its
 * bytes. It changes when any image is added, removed, renamed or changed, and only then.
 */
public final class ImageFolder {
    /** At most this many pixels (width x height) in one image unless the user allows more. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /** Whether {@code data} is a folder of photographs: a folder that holds no IDX files (those are a {@link DataSet}). */
    public static boolean holdsPhotos(Path data) {
        return data != null && Files.isDirectory(data) && !DataSet.isIdxFolder(data);
    }

    /** {@code --color}: grey, rgb, or what the images are. */
    public enum Color {
        GREY, RGB, AUTO;

        /** "grey" (or "gray"), "rgb", or "auto"; throws {@link IllegalArgumentException} naming the choices. */
        public static Color parse(String text) {
            return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
                case "grey", "gray" -> GREY;
                case "rgb", "color", "colour" -> RGB;
                case "auto" -> AUTO;
                default -> throw new IllegalArgumentException("takes grey or rgb (or auto: rgb when any image has colour), got \"" + text + "\"");
            };
        }
    }

    /** What to load and how. Only the data folder is required. */
    public static final class Options {
        private final Path data;
        private Path validation, test, noisy;
        private Split split = Split.DEFAULT;
        private Color color = Color.AUTO;
        private long maxPixels = DEFAULT_MAX_PIXELS;
        private Path stores = Cache.stores();
        private int threads = Runtime.getRuntime().availableProcessors();
        private long regionLimit = PixelStore.MAX_REGION;
        private PrintStream log = new PrintStream(OutputStream.nullOutputStream());
        private boolean terminal;

        public Options(Path data) { this.data = data; }

        /** Validation images from this folder (all of it) instead of the split. */
        public Options validation(Path folder) { validation = folder; return this; }
        /** Test images from this folder (all of it) instead of the split. */
        public Options test(Path folder) { test = folder; return this; }
        /** The noisy twin of each image of the data folder, at the same relative path. */
        public Options noisy(Path folder) { noisy = folder; return this; }
        public Options split(Split value) { split = value; return this; }
        public Options color(Color value) { color = value; return this; }
        /** Refuse an image of more pixels than this (by its header, before decoding). */
        public Options maxPixels(long value) { maxPixels = value; return this; }
        /** Where decoded stores are kept (default {@link Cache#stores()}). */
        public Options stores(Path folder) { stores = folder; return this; }
        /** Threads that hash and decode (default: one per core). */
        public Options threads(int value) { threads = value; return this; }
        /** Progress and notes go to {@code out}; {@code onTerminal}: draw a bar (else plain lines). */
        public Options log(PrintStream out, boolean onTerminal) { log = out; terminal = onTerminal; return this; }
        /** The most bytes one mapped region of a store holds (tests set it small to get several regions). */
        Options regionLimit(long bytes) { regionLimit = bytes; return this; }

        private void check() {
            if (data == null) throw new IllegalArgumentException("a data folder must be given");
            if (maxPixels < 1) throw new IllegalArgumentException("--max-pixels must be at least 1, got " + maxPixels);
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            if (noisy != null && (validation != null || test != null))
                throw new IllegalArgumentException("--noisy-data pairs the images of --data only; with it, validation and test come from the "
                        + "split of --data, not from --val or --test folders (which have no noisy twins)");
        }
    }

    /**
     * One part of the data: its images (and their noisy twins, or null), with each image's relative
     * path (under {@code folder}) in the same order.
     */
    public record Part(Split.Part part, Path folder, Pixels pixels, Pixels noisy, List<String> names) {
        public int count() { return names.size(); }
        public boolean isEmpty() { return names.isEmpty(); }
    }

    private final Path folder;
    private final int channels;
    private final Split split;
    private final Part all, train, validation, test;
    private final Map<String, String> identities;

    private ImageFolder(Path folder, int channels, Split split, Part all, Part train, Part validation, Part test, Map<String, String> identities) {
        this.folder = folder;
        this.channels = channels;
        this.split = split;
        this.all = all;
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.identities = Collections.unmodifiableMap(identities);
    }

    /** The data folder. */
    public Path folder() { return folder; }
    /** 1 (grey) or 3 (RGB). */
    public int channels() { return channels; }
    /** The split applied to the data folder (scaled when validation or test come from folders of their own). */
    public Split split() { return split; }
    /** Every image of the data folder, in sorted order of relative path (what {@code eval} scores on a folder it did not train on). */
    public Part all() { return all; }
    public Part train() { return train; }
    /** Possibly empty (a small folder, or a split with no validation fraction). */
    public Part validation() { return validation; }
    /** Possibly empty (a small folder, or a split with no test fraction). */
    public Part test() { return test; }
    /** The data folder's identity: 64 hex digits. */
    public String identity() { return identities.get("data"); }
    /** The identity of each folder used, by role: "data", then "validation", "test", "noisy-data" where given. */
    public Map<String, String> identities() { return identities; }

    /** One line for logs: "image folder DIR: 30 train, 4 validation, 3 test images, rgb, 256 x 256 to 1282 x 1110". */
    public String describe() {
        Pixels p = all.pixels();
        long minPixels = Long.MAX_VALUE, maxPixels = 0;
        String smallest = "", largest = "";
        for (int i = 0; i < p.count(); i++) {
            long n = (long) p.width(i) * p.height(i);
            if (n < minPixels) { minPixels = n; smallest = p.width(i) + " x " + p.height(i); }
            if (n > maxPixels) { maxPixels = n; largest = p.width(i) + " x " + p.height(i); }
        }
        return "image folder " + folder + ": " + train.count() + " train, " + (validation.isEmpty() ? "no" : validation.count()) + " validation, "
                + test.count() + " test images" + (train.noisy() != null ? " with noisy twins" : "") + ", " + (channels == 1 ? "grey" : "rgb") + ", "
                + (smallest.equals(largest) ? smallest : smallest + " to " + largest);
    }

    /** What the first pass learns of one image: its file's hash and length, and its header. */
    record Scanned(String relative, Path file, byte[] sha256, long length, ImageFiles.Header header) {}

    /** A folder read and hashed, and its images' pixels once decoded or mapped. */
    private record Loaded(Path folder, List<Scanned> images, String identity, Pixels pixels) {
        Map<String, Integer> indexByName() {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < images.size(); i++) index.put(images.get(i).relative(), i);
            return index;
        }
    }

    /**
     * Loads the folders of {@code options}. Throws {@link DataException} (one line naming the file or
     * folder) for a missing folder, a folder without images, an unreadable, undecodable or too large
     * image, a missing noisy twin or one of another size; {@link IllegalArgumentException} for options
     * that do not go together.
     */
    public static ImageFolder load(Options options) {
        options.check();
        PrintStream log = options.log;
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("data", options.data);
        if (options.validation != null) folders.put("validation", options.validation);
        if (options.test != null) folders.put("test", options.test);
        if (options.noisy != null) folders.put("noisy-data", options.noisy);

        ExecutorService pool = Executors.newFixedThreadPool(options.threads, runnable -> {
            Thread t = new Thread(runnable, "cae-image-loader");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, List<Scanned>> scanned = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : folders.entrySet()) {
                FolderListing listing = FolderListing.of(f.getValue(), f.getKey());
                log.println(f.getValue() + ": " + listing.describe());
                if (listing.images().isEmpty())
                    throw new DataException(f.getValue() + ": no PNG, JPEG, BMP or GIF images in this folder or its subfolders" + listing.skipped() + ".");
                scanned.put(f.getKey(), scan(listing, options, pool));
            }
            boolean colour = options.color == Color.RGB;
            if (options.color == Color.AUTO)
                for (List<Scanned> images : scanned.values()) for (Scanned s : images) colour |= s.header().colour();
            int channels = colour ? 3 : 1;

            Map<String, Loaded> loaded = new LinkedHashMap<>();
            Map<String, String> identities = new LinkedHashMap<>();
            for (Map.Entry<String, List<Scanned>> f : scanned.entrySet()) {
                Path folder = folders.get(f.getKey());
                String identity = identity(f.getValue());
                identities.put(f.getKey(), identity);
                Pixels pixels = store(folder, f.getValue(), identity, channels, options, pool);
                loaded.put(f.getKey(), new Loaded(folder, f.getValue(), identity, pixels));
            }
            return assemble(loaded, identities, channels, options);
        } finally {
            pool.shutdownNow();
        }
    }

    private static ImageFolder assemble(Map<String, Loaded> loaded, Map<String, String> identities, int channels, Options options) {
        Loaded data = loaded.get("data"), noisy = loaded.get("noisy-data");
        int[] twins = noisy != null ? twins(data, noisy, options.log) : null;
        Split split = options.split.without(options.validation != null, options.test != null);
        Map<Split.Part, List<Integer>> byPart = new LinkedHashMap<>();
        for (Split.Part p : Split.Part.values()) byPart.put(p, new ArrayList<>());
        List<Integer> every = new ArrayList<>();
        for (int i = 0; i < data.images().size(); i++) {
            byPart.get(split.partOf(data.images().get(i).relative())).add(i);
            every.add(i);
        }
        if (byPart.get(Split.Part.TRAIN).isEmpty())
            throw new DataException(data.folder() + ": none of its " + data.images().size() + " images falls in the train part of the split "
                    + split + "; add images or give a larger train fraction");
        Part train = part(Split.Part.TRAIN, data, noisy, twins, byPart.get(Split.Part.TRAIN), channels);
        Part validation = options.validation != null ? whole(Split.Part.VALIDATION, loaded.get("validation"), channels)
                : part(Split.Part.VALIDATION, data, noisy, twins, byPart.get(Split.Part.VALIDATION), channels);
        Part test = options.test != null ? whole(Split.Part.TEST, loaded.get("test"), channels)
                : part(Split.Part.TEST, data, noisy, twins, byPart.get(Split.Part.TEST), channels);
        Part all = part(null, data, noisy, twins, every, channels);
        return new ImageFolder(data.folder(), channels, split, all, train, validation, test, identities);
    }

    /**
     * For each image of {@code data}, the index of its noisy twin: the image of the same relative path,
     * else the one image whose path differs only in its extension (a noisy copy of a JPEG is usually
     * kept as a lossless PNG); refuses a missing or ambiguous twin, or one of another size.
     */
    private static int[] twins(Loaded data, Loaded noisy, PrintStream log) {
        Map<String, Integer> index = noisy.indexByName();
        Map<String, List<String>> byStem = new java.util.HashMap<>();
        for (String name : index.keySet()) byStem.computeIfAbsent(stem(name), k -> new ArrayList<>()).add(name);
        int[] twins = new int[data.images().size()];
        for (int i = 0; i < twins.length; i++) {
            Scanned clean = data.images().get(i);
            Integer t = index.remove(clean.relative());
            if (t == null) {
                List<String> alike = byStem.getOrDefault(stem(clean.relative()), List.of()).stream().filter(index::containsKey).sorted().toList();
                if (alike.size() > 1)
                    throw new DataException(noisy.folder() + ": " + String.join(" and ", alike) + " could each be the noisy twin of "
                            + clean.file() + "; keep one, or name it as its clean image is named");
                if (alike.size() == 1) t = index.remove(alike.get(0));
            }
            if (t == null)
                throw new DataException(noisy.folder().resolve(clean.relative()) + ": missing; every image of " + data.folder()
                        + " needs its noisy twin at the same relative path in " + noisy.folder() + " (any image extension)");
            Scanned twin = noisy.images().get(t);
            if (twin.header().width() != clean.header().width() || twin.header().height() != clean.header().height())
                throw new DataException(twin.file() + " is " + twin.header().width() + " x " + twin.header().height() + " pixels but its clean twin "
                        + clean.file() + " is " + clean.header().width() + " x " + clean.header().height() + "; a noisy image must have its clean image's size");
            twins[i] = t;
        }
        if (!index.isEmpty())
            log.println("note: " + index.size() + (index.size() == 1 ? " image" : " images") + " of " + noisy.folder()
                    + (index.size() == 1 ? " has" : " have") + " no clean twin in " + data.folder() + " and "
                    + (index.size() == 1 ? "is not used: " : "are not used, e.g. ") + index.keySet().stream().sorted().findFirst().orElse(""));
        return twins;
    }

    /** A relative path without its file extension: "a/b.jpg" is "a/b". */
    private static String stem(String relative) {
        int dot = relative.lastIndexOf('.'), slash = relative.lastIndexOf('/');
        return dot > slash ? relative.substring(0, dot) : relative;
    }

    private static Part part(Split.Part which, Loaded data, Loaded noisy, int[] twins, List<Integer> indices, int channels) {
        Pixels.Builder clean = new Pixels.Builder(channels), noisyTwins = noisy != null ? new Pixels.Builder(channels) : null;
        List<String> names = new ArrayList<>();
        for (int i : indices) {
            add(clean, data.pixels(), i);
            if (noisyTwins != null) add(noisyTwins, noisy.pixels(), twins[i]);
            names.add(data.images().get(i).relative());
        }
        return new Part(which, data.folder(), clean.build(), noisyTwins != null ? noisyTwins.build() : null, List.copyOf(names));
    }

    private static Part whole(Split.Part which, Loaded folder, int channels) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < folder.images().size(); i++) all.add(i);
        return part(which, folder, null, null, all, channels);
    }

    private static void add(Pixels.Builder builder, Pixels from, int image) {
        builder.add(from.buffer(image), from.offset(image), from.height(image), from.width(image));
    }

    /** Hashes each image file and reads its header, in parallel; the first failure in sorted order is thrown. */
    private static List<Scanned> scan(FolderListing listing, Options options, ExecutorService pool) {
        List<Future<Scanned>> futures = new ArrayList<>();
        for (FolderListing.Entry e : listing.images()) futures.add(pool.submit(() -> scanOne(e, options.maxPixels)));
        ProgressBar progress = ProgressBar.of(options.log, options.terminal, "reading " + listing.folder(), "images", futures.size(), 1);
        List<Scanned> scanned = new ArrayList<>();
        try {
            for (Future<Scanned> f : futures) {
                scanned.add(result(f));
                progress.advance();
            }
        } finally {
            for (Future<Scanned> f : futures) f.cancel(true);
        }
        progress.finish();
        return scanned;
    }

    /** The first pass over one file: its hash and length, and its header checked against the cap. Throws {@link DataException} naming it. */
    static Scanned scanOne(FolderListing.Entry e, long maxPixels) {
        MessageDigest digest = Sha256.newDigest();
        long length = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(e.file())) {
            for (int n; (n = in.read(buffer)) > 0; length += n) digest.update(buffer, 0, n);
        } catch (java.nio.file.AccessDeniedException x) {
            throw new DataException(e.file() + ": cannot be read (permission denied).", x);
        } catch (java.nio.file.NoSuchFileException x) {
            throw new DataException(e.file() + ": removed while the folder was being read.", x);
        } catch (IOException x) {
            throw new DataException(e.file() + ": cannot be read (" + MnistFetcher.reason(x) + ").", x);
        }
        try {
            return new Scanned(e.relative(), e.file(), digest.digest(), length, ImageFiles.header(e.file(), maxPixels));
        } catch (IOException x) {
            throw refused(x);
        }
    }

    /** An image that cannot be used, in one line naming it; one too large says how to allow it. */
    private static DataException refused(IOException x) {
        if (x instanceof GreyImages.TooLargeException tooLarge)
            return new DataException(x.getMessage() + "; give --max-pixels " + tooLarge.pixels() + " to use it, or move it out of the folder", x);
        return new DataException(x.getMessage(), x);
    }

    /** The value of a finished task, its {@link DataException} thrown as it is. */
    private static <T> T result(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while reading images");
        }
    }

    /** The folder's identity (see the class comment), as 64 hex digits. */
    static String identity(List<Scanned> images) {
        MessageDigest digest = Sha256.newDigest();
        ByteBuffer length = ByteBuffer.allocate(8);
        for (Scanned s : images) {
            digest.update(s.relative().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(length.clear().putLong(s.length()).array());
            digest.update(s.sha256());
        }
        return Sha256.hex(digest);
    }

    private static Pixels store(Path folder, List<Scanned> images, String identity, int channels, Options options, ExecutorService pool) {
        List<PixelStore.Image> stored = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Scanned s : images) {
            stored.add(new PixelStore.Image(s.relative(), s.header().height(), s.header().width()));
            files.add(s.file());
        }
        ProgressBar progress = ProgressBar.of(options.log, options.terminal, "decoding " + folder, "images", images.size(), 1);
        PixelStore.Decoder decoder = sink -> decodeInOrder(images, channels, options, pool, progress, sink);
        return PixelStore.open(options.stores, folder, channels == 1 ? "grey" : "rgb", channels, identity, stored, files,
                options.regionLimit, decoder, progress, options.log);
    }

    /** A decoded image and the decoder's warnings about it. */
    record Decoded(byte[] pixels, Set<String> warnings) {}

    /**
     * Decodes the images in parallel and hands them to {@code sink} in order. Decoded images wait for
     * their turn in memory; their number is bounded by a quarter of the heap (a single image larger than
     * that is decoded alone) and by four per thread.
     */
    private static void decodeInOrder(List<Scanned> images, int channels, Options options, ExecutorService pool, ProgressBar progress,
                                      PixelStore.ImageSink sink) throws IOException {
        long budget = Runtime.getRuntime().maxMemory() / 4;
        ArrayDeque<Future<Decoded>> inFlight = new ArrayDeque<>();
        long inUse = 0;
        int submitted = 0;
        try {
            for (int i = 0; i < images.size(); i++) {
                while (submitted < images.size() && (submitted == i
                        || (inUse + need(images.get(submitted), channels) <= budget && submitted - i < 4 * options.threads))) {
                    Scanned s = images.get(submitted);
                    inFlight.add(pool.submit(() -> decodeOne(s, channels, options.maxPixels)));
                    inUse += need(s, channels);
                    submitted++;
                }
                Decoded decoded = result(inFlight.poll());
                inUse -= need(images.get(i), channels);
                if (!decoded.warnings().isEmpty())
                    progress.note(ImageFiles.warningLine(images.get(i).file(), decoded.warnings(), "the image is used as decoded"));
                sink.accept(i, decoded.pixels());
            }
        } finally {
            for (Future<Decoded> f : inFlight) f.cancel(true);
        }
    }

    /** Bytes an image takes while it is decoded and waits: the decoder's image (up to 8 bytes a pixel) and the 8-bit planes. */
    private static long need(Scanned s, int channels) {
        return s.header().pixels() * (8 + channels);
    }

    /** One image decoded into 8-bit planes of {@code channels}. Throws {@link DataException} naming the file. */
    static Decoded decodeOne(Scanned s, int channels, long maxPixels) {
        Set<String> warnings = new LinkedHashSet<>();
        BufferedImage image;
        try {
            image = ImageFiles.decode(s.file(), maxPixels, warnings::add);
        } catch (IOException x) {
            throw refused(x);
        }
        if (image.getWidth() != s.header().width() || image.getHeight() != s.header().height())
            throw new DataException(s.file() + " decoded to " + image.getWidth() + " x " + image.getHeight() + " pixels but its header says "
                    + s.header().width() + " x " + s.header().height() + "; was it changed while it was read?");
        if (image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK)
            warnings.add("CMYK colours converted to RGB without a colour profile; they may be off");
        byte[] pixels = new byte[Math.toIntExact((long) channels * image.getWidth() * image.getHeight())];
        ImageFiles.toBytes(image, channels, pixels, 0);
        return new Decoded(pixels, warnings);
    }
}
