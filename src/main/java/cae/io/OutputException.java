package cae.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A file or folder that could not be written (a full disk, a read-only folder): the message names the
 * file or folder as the user gave it and the system's reason, in one line. An {@link IOException}, so
 * it travels where writing already may fail.
 */
public final class OutputException extends IOException {
    private OutputException(String message, IOException cause) {
        super(message, cause);
    }

    /** Writing {@code file} failed. */
    public static OutputException writing(Path file, IOException cause) {
        return cause instanceof OutputException named ? named : new OutputException("could not write " + file + ": " + reason(cause), cause);
    }

    /** No file could be made in {@code folder}. */
    public static OutputException inFolder(Path folder, IOException cause) {
        return cause instanceof OutputException named ? named
                : new OutputException("cannot write files in " + folder + ": " + reason(cause), cause);
    }

    /** The OutputException behind {@code e} (a library may wrap it), or null. */
    public static OutputException within(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof OutputException o) return o;
        return null;
    }

    /** The system's reason, without the file name it may repeat ("No space left on device", "Read-only file system"). */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }
}
