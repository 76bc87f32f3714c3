package cae.io;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Writing a picture with text (plots, labelled image grids) needs Java's font libraries, which a
 * trimmed or minimal runtime may lack (libfreetype, libharfbuzz, fontconfig). Then the picture is
 * skipped with a one-line note, and the run's other outputs are still written.
 */
public final class Pictures {
    private Pictures() {}

    /** Writes one picture file. */
    public interface Writer {
        void write() throws IOException;
    }

    /** Runs {@code writer}; returns false, after one note naming the file, when this runtime cannot draw text. */
    public static boolean writeOrSkip(Path file, Writer writer, PrintStream log) throws IOException {
        try {
            writer.write();
            return true;
        } catch (LinkageError | java.awt.AWTError e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            log.println("note: " + file.getFileName() + " not written: this Java runtime cannot draw text (" + why + ")");
            return false;
        }
    }
}
