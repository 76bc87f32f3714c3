package cae.data;

import cae.io.ProgressBar;
import cae.engine.Pixels;
import cae.io.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A folder's images decoded once into one file of 8-bit planar pixels, memory-mapped for training.
 *
 * <p>The file: a header (the magic "CAEPIX1\n", its own length, the channels, the folder's identity,
 * the regions' lengths, and for each image its region, offset in the region, height, width and relative
 * path), zeros up to the next multiple of 4,096, then the images one after another, each
 * channels x height x width bytes, channel planes in order. The data is cut into regions of at most
 * {@code regionLimit} bytes (2^31 - 1 by default, what one mapping may hold); an image never straddles
 * two regions: one that does not fit in what is left of a region starts the next one.
 *
 * <p>Names: {@code FOLDER-MODE-IDENTITY.pixels} in the stores folder, FOLDER the first 16 hex digits of
 * the SHA-256 of the folder's real path, MODE grey or rgb, IDENTITY the first 16 hex digits of the
 * folder's identity. A store is written atomically (a temporary file renamed), and reused whenever a
 * folder of that path, mode and identity is loaded again. The rule for stale stores: once the store of a
 * (folder, mode) is in place, every other store of the same folder and mode (another identity: files
 * added, removed or changed) is removed, and so are temporary files that a killed writer left for it.
 * Writers of one (folder, mode) take turns through a lock file beside the stores. Stores of folders that
 * no longer exist stay until the stores folder is emptied by hand.
 */
final class PixelStore {
    static final String SUFFIX = ".pixels";
    private static final byte[] MAGIC = "CAEPIX1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int ALIGN = 4096;
    /** The most one mapping can hold. */
    static final long MAX_REGION = Integer.MAX_VALUE;

    private PixelStore() {}

    /** What is stored of one image. */
    record Image(String relative, int height, int width) {}

    /** Takes each decoded image in order: channels x height x width bytes. */
    interface ImageSink {
        void accept(int index, byte[] pixels) throws IOException;
    }

    /** Decodes every image and hands each to the sink, in the order of the list; throws {@link DataException} naming a file that fails. */
    interface Decoder {
        void decodeInOrder(ImageSink sink) throws IOException;
    }

    /** Where each image lies: region lengths, and each image's region and offset in it. */
    record Layout(long[] regions, int[] region, int[] offset) {
        static Layout of(List<Image> images, int channels, long regionLimit, List<Path> files) {
            List<Long> regions = new ArrayList<>();
            int[] region = new int[images.size()], offset = new int[images.size()];
            long used = 0;
            for (int i = 0; i < images.size(); i++) {
                Image image = images.get(i);
                long bytes = (long) channels * image.height() * image.width();
                if (bytes > regionLimit)
                    throw new DataException(files.get(i) + " is " + image.width() + " x " + image.height() + " pixels, " + bytes
                            + " bytes in " + channels + (channels == 1 ? " channel" : " channels") + ", more than one store region holds ("
                            + regionLimit + " bytes), so it cannot be stored; make it smaller or move it out of the folder");
                if (regions.isEmpty() || used + bytes > regionLimit) {
                    if (!regions.isEmpty()) regions.set(regions.size() - 1, used);
                    regions.add(0L);
                    used = 0;
                }
                region[i] = regions.size() - 1;
                offset[i] = (int) used;
                used += bytes;
            }
            if (!regions.isEmpty()) regions.set(regions.size() - 1, used);
            return new Layout(regions.stream().mapToLong(Long::longValue).toArray(), region, offset);
        }

        long dataBytes() { return Arrays.stream(regions).sum(); }
    }

    /** The store's file name for a folder key, a mode and an identity. */
    static String name(String folderKey, String mode, String identity) {
        return folderKey + "-" + mode + "-" + identity.substring(0, 16) + SUFFIX;
    }

    /** The first 16 hex digits of the SHA-256 of the folder's real path: the same folder, however it is named. */
    static String folderKey(Path folder) {
        String path;
        try {
            path = folder.toRealPath().toString();
        } catch (IOException e) {
            path = folder.toAbsolutePath().normalize().toString();
        }
        return HexFormat.of().formatHex(Sha256.newDigest().digest(path.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    }

    /** Locks of this JVM, beside the file locks, which only keep other processes out. */
    private static final ConcurrentHashMap<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    /**
     * The pixels of {@code images} (sorted as the folder lists them), from the store of this folder,
     * mode and identity when there is one, else decoded by {@code decoder} into a new store first.
     * Removes the folder's stale stores. {@code log} gets a line saying which.
     */
    static Pixels open(Path stores, Path folder, String mode, int channels, String identity, List<Image> images, List<Path> files,
                       long regionLimit, Decoder decoder, ProgressBar progress, java.io.PrintStream log) {
        String key = folderKey(folder), prefix = key + "-" + mode + "-";
        Path store = stores.resolve(name(key, mode, identity));
        try {
            Files.createDirectories(stores);
        } catch (IOException e) {
            throw new DataException(stores + ": cannot create the folder for decoded images (" + MnistFetcher.reason(e) + ").", e);
        }
        Layout layout = Layout.of(images, channels, regionLimit, files);
        synchronized (JVM_LOCKS.computeIfAbsent(prefix, k -> new Object())) {
            try (FileChannel lockFile = FileChannel.open(stores.resolve(key + "-" + mode + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lockFile.tryLock();
                if (lock == null) {
                    log.println("waiting for another cae process that is decoding " + folder + " ...");
                    lock = lockFile.lock();
                }
                try {
                    removeLeftovers(stores, prefix);
                    Pixels pixels = Files.exists(store) ? map(store, channels, identity, images, layout, log) : null;
                    if (pixels != null) {
                        log.println(folder + ": using the decoded images in " + store);
                    } else {
                        write(store, channels, identity, images, layout, decoder, progress);
                        pixels = map(store, channels, identity, images, layout, null);
                        if (pixels == null) throw new DataException(store + ": the store just written does not read back; is the disk failing?");
                    }
                    removeStale(stores, prefix, store, log);
                    return pixels;
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                throw new DataException(stores + ": cannot keep decoded images there (" + MnistFetcher.reason(e) + ").", e);
            }
        }
    }

    private static void removeLeftovers(Path stores, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(stores)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.startsWith("." + prefix) && n.endsWith(".tmp")) Files.deleteIfExists(f);
            }
        }
    }

    private static void removeStale(Path stores, String prefix, Path keep, java.io.PrintStream log) throws IOException {
        try (Stream<Path> files = Files.list(stores)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.startsWith(prefix) && n.endsWith(SUFFIX) && !f.equals(keep)) {
                    Files.deleteIfExists(f);
                    log.println("removed " + f + ", decoded from an earlier state of the folder");
                }
            }
        }
    }

    private static byte[] header(int channels, String identity, List<Image> images, Layout layout) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(0);  // the header's length, set below
            out.writeInt(channels);
            out.write(HexFormat.of().parseHex(identity));
            out.writeInt(layout.regions().length);
            for (long r : layout.regions()) out.writeLong(r);
            out.writeInt(images.size());
            for (int i = 0; i < images.size(); i++) {
                Image image = images.get(i);
                out.writeInt(layout.region()[i]);
                out.writeInt(layout.offset()[i]);
                out.writeInt(image.height());
                out.writeInt(image.width());
                byte[] name = image.relative().getBytes(StandardCharsets.UTF_8);
                out.writeInt(name.length);
                out.write(name);
            }
            out.flush();
            byte[] header = bytes.toByteArray();
            ByteBuffer.wrap(header).putInt(MAGIC.length, header.length);
            return header;
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    private static long dataStart(int headerLength) {
        return (headerLength + ALIGN - 1L) / ALIGN * ALIGN;
    }

    private static void write(Path store, int channels, String identity, List<Image> images, Layout layout, Decoder decoder,
                              ProgressBar progress) throws IOException {
        byte[] header = header(channels, identity, images, layout);
        AtomicFiles.write(store, out -> {
            out.write(header);
            writeZeros(out, dataStart(header.length) - header.length);
            int[] next = {0};
            decoder.decodeInOrder((index, pixels) -> {
                Image image = images.get(index);
                if (index != next[0] || pixels.length != (long) channels * image.height() * image.width())
                    throw new IllegalStateException("image " + index + " of " + pixels.length + " bytes where image " + next[0] + " was due");
                out.write(pixels);
                next[0]++;
                progress.advance();
            });
            if (next[0] != images.size()) throw new IllegalStateException(next[0] + " of " + images.size() + " images decoded");
        });
        progress.finish();
    }

    private static void writeZeros(OutputStream out, long count) throws IOException {
        out.write(new byte[(int) count]);
    }

    /**
     * The store's pixels, mapped, or null (with a line to {@code log} when it is not null) when the file
     * is not a complete store of exactly these images: damaged, cut short, or of another format.
     */
    static Pixels map(Path store, int channels, String identity, List<Image> images, Layout layout, java.io.PrintStream log) throws IOException {
        byte[] expected = header(channels, identity, images, layout);
        long size = Files.size(store);
        try (FileChannel channel = FileChannel.open(store, StandardOpenOption.READ)) {
            String problem = null;
            byte[] header = new byte[expected.length];
            long dataStart = dataStart(expected.length);
            if (size != dataStart + layout.dataBytes()) problem = "its size is " + size + " bytes, not " + (dataStart + layout.dataBytes());
            else if (channel.read(ByteBuffer.wrap(header), 0) != header.length || !Arrays.equals(header, expected))
                problem = "its header does not list these images";
            if (problem != null) {
                if (log != null) log.println(store + " cannot be used (" + problem + "); decoding the images again");
                return null;
            }
            MappedByteBuffer[] regions = new MappedByteBuffer[layout.regions().length];
            long at = dataStart;
            for (int r = 0; r < regions.length; r++) {
                regions[r] = channel.map(FileChannel.MapMode.READ_ONLY, at, layout.regions()[r]);
                at += layout.regions()[r];
            }
            Pixels.Builder builder = new Pixels.Builder(channels);
            for (int i = 0; i < images.size(); i++)
                builder.add(regions[layout.region()[i]], layout.offset()[i], images.get(i).height(), images.get(i).width());
            return builder.build();
        }
    }
}
