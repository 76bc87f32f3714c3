package cae.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One process writes into an output folder at a time: it holds an exclusive lock on {@value #NAME} in
 * the folder from before it checks what the folder holds until it has written its last file. The
 * operating system lets go of the lock when the process ends, however it ends, so a killed run leaves
 * no stale lock (the file may stay; the next run takes it over). A folder the lock had to create is
 * removed again when it is released empty, so a run refused before it wrote anything leaves nothing.
 */
public final class FolderLock implements AutoCloseable {
    public static final String NAME = ".cae.lock";

    /** Another process (or another run in this one) holds the folder: a usage error, told in one line. */
    public static final class InUseException extends RuntimeException {
        InUseException(String message) { super(message); }
    }

    private final Path folder, file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean created;

    private FolderLock(Path folder, Path file, FileChannel channel, FileLock lock, boolean created) {
        this.folder = folder;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.created = created;
    }

    /** Locks {@code folder}, creating it when it does not exist; throws {@link InUseException} when another holds it. */
    public static FolderLock take(Path folder) throws IOException {
        boolean created = false;
        if (!Files.isDirectory(folder)) {
            try {
                Path parent = folder.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.createDirectory(folder);
                created = true;
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(folder)) throw OutputException.inFolder(folder, e);  // a file of that name
            } catch (IOException e) {
                throw OutputException.inFolder(folder, e);
            }
        }
        Path file = folder.resolve(NAME);
        for (int attempt = 0; ; attempt++) {
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw OutputException.inFolder(folder, e);  // read-only or full: the folder is what the user can fix
            }
            Object before = fileKey(file);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            } catch (IOException e) {
                channel.close();
                throw OutputException.inFolder(folder, e);
            }
            if (lock == null) {
                channel.close();
                throw new InUseException(folder + " is in use by another cae process (it holds " + file
                        + "); wait until it ends, or choose another --out");
            }
            // A holder that ends removes the file before letting go: the file locked must still be the one there.
            Object after = fileKey(file);
            if (before != null && before.equals(after)) return new FolderLock(folder, file, channel, lock, created);
            lock.release();
            channel.close();
            if (attempt >= 10) throw new InUseException(folder + ": its lock " + file + " keeps changing; is another cae process starting there?");
        }
    }

    private static Object fileKey(Path file) throws IOException {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return key != null ? key : file;  // no file keys on this platform: trust the open
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    public Path folder() { return folder; }

    /** Removes the lock file (while still holding it), lets go, and removes the folder if it was made here and is empty. */
    @Override public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
        if (created) {
            try {
                Files.delete(folder);
            } catch (DirectoryNotEmptyException | NoSuchFileException kept) {
                // it holds what the run wrote (or what another run writes now)
            }
        }
    }
}
