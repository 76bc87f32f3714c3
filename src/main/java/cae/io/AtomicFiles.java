package cae.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a reader sees either the old content or the complete new content, never a
 * half-written file: the bytes go to a temporary file in the target's directory, are forced to
 * disk, and the temporary file is then renamed over the target. If anything fails, the old file
 * is left as it was and the temporary file is removed.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Like {@code Consumer}, but allowed to throw {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T value) throws IOException;
    }

    /**
     * Writes {@code target} with whatever {@code body} writes to the stream it is given. The stream
     * is buffered; {@code body} may close it or not. Missing parent directories are created.
     */
    public static void write(Path target, IOConsumer<OutputStream> body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path shownDir = target.getParent() != null ? target.getParent() : Path.of(".");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw OutputException.inFolder(shownDir, e);
        }
        Path temp = null;
        FileChannel channel = null;
        try {
            for (int attempt = 0; channel == null; attempt++) {
                temp = dir.resolve(TEMP_PREFIX + absolute.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
                try {
                    channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    temp = null;
                    if (attempt >= 10) throw OutputException.inFolder(shownDir, e);
                } catch (IOException e) {
                    temp = null;
                    throw OutputException.inFolder(shownDir, e);  // a read-only or full folder: name it, not our temporary file
                }
            }
            OutputStream out = new BufferedOutputStream(new Named(Channels.newOutputStream(channel), target), 1 << 16);
            body.accept(new KeepOpen(out));
            out.flush();
            try {
                channel.force(true);
                channel.close();
                try {
                    Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw OutputException.writing(target, e);
            }
            temp = null;
            forceDirectory(dir);
        } catch (Throwable failure) {
            if (channel != null) {
                try { channel.close(); } catch (IOException e) { failure.addSuppressed(e); }
            }
            if (temp != null) {
                try { Files.deleteIfExists(temp); } catch (IOException e) { failure.addSuppressed(e); }
            }
            throw failure;
        }
    }

    private static final String TEMP_PREFIX = ".", TEMP_SUFFIX = ".tmp";
    /** The temporary files {@link #write} makes: ".NAME.HEX.tmp". */
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\..+\\.[0-9a-f]{1,16}\\.tmp");

    /**
     * Removes the temporary files that writes killed mid-way (kill -9, a power cut) left in {@code folder}.
     * Only for a folder whose writer the caller is (it holds the folder's lock): another process's
     * temporary file would be removed under it. Returns how many were removed.
     */
    public static int removeLeftovers(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return 0;
        int removed = 0;
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (TEMPORARY.matcher(file.getFileName().toString()).matches() && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw OutputException.inFolder(folder, e);
        }
        return removed;
    }

    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    public static void writeString(Path target, String content) throws IOException {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Makes the rename itself durable where the platform allows syncing a directory (it does on Linux). */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not supported here (e.g. Windows); the file itself is already on disk.
        }
    }

    /** Names the target when writing to the temporary file fails (a full disk): the system's message names no file. */
    private static final class Named extends FilterOutputStream {
        private final Path target;

        Named(OutputStream out, Path target) {
            super(out);
            this.target = target;
        }

        @Override public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw OutputException.writing(target, e);
            }
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw OutputException.writing(target, e);
            }
        }

        @Override public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw OutputException.writing(target, e);
            }
        }
    }

    /** Lets the body close its stream (e.g. with try-with-resources) without closing the file before it is synced. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { out.flush(); }
    }
}
