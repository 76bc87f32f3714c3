package cae.cli;

import picocli.CommandLine;

import java.io.PrintStream;
import java.lang.reflect.Constructor;

/** Where a command prints: results to {@code out}, notes, progress and errors to {@code err}. */
record Streams(PrintStream out, PrintStream err) {

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
