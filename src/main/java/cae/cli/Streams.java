package cae.cli;

import cae.engine.Engine;
import picocli.CommandLine;

import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.util.function.UnaryOperator;

/**
 * Where a command prints: results to {@code out}, notes, progress and errors to {@code err}; whether
 * that is a terminal ({@code terminal}: progress is then a bar redrawn in place, else plain lines; a test
 * says either); and what wraps the engine a command opens ({@code engines}: nothing on the command line;
 * a test passes an engine that records what is allocated and released).
 */
record Streams(PrintStream out, PrintStream err, UnaryOperator<Engine> engines, boolean terminal) {

    Streams(PrintStream out, PrintStream err) { this(out, err, UnaryOperator.identity()); }

    Streams(PrintStream out, PrintStream err, UnaryOperator<Engine> engines) { this(out, err, engines, cae.io.ProgressBar.onTerminal()); }

    /** Makes commands that take a {@link Streams} with these; everything else the picocli way. */
    CommandLine.IFactory factory() {
        CommandLine.IFactory fallback = CommandLine.defaultFactory();
        return new CommandLine.IFactory() {
            @Override public <K> K create(Class<K> type) throws Exception {
                for (Constructor<?> c : type.getDeclaredConstructors()) {
                    if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == Streams.class) {
                        c.setAccessible(true);
                        return type.cast(c.newInstance(Streams.this));
                    }
                }
                return fallback.create(type);
            }
        };
    }
}
