package cae.api;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A print stream that hands each complete line to the application, so that what the command line
 * prints (notes, the training log) reaches it instead of System.out.
 */
final class Lines extends PrintStream {
    Lines(Consumer<String> sink) {
        super(new LineSplitter(sink), true, StandardCharsets.UTF_8);
    }

    private static final class LineSplitter extends OutputStream {
        private final Consumer<String> sink;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSplitter(Consumer<String> sink) { this.sink = sink; }

        @Override public void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            sink.accept(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
        }

        /** A last line without its newline still reaches the application. */
        @Override public void close() {
            if (line.size() > 0) write('\n');
        }
    }
}
