package cae.io;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress through a count of things: training steps, images read and decoded, test images scored, bench repeats. On a terminal
 * a one-line bar with the rate, the time left and, in training, the last loss read, redrawn in place at
 * most 5 times a second; elsewhere (a log file, a pipe) a plain line at most every 10 seconds, so that
 * work of a few seconds prints nothing there. Not for use from several threads at once.
 */
public final class ProgressBar {
    /** Makes the bar for a run, or null where no bar is wanted (output not a terminal). */
    public interface Factory {
        ProgressBar create(long startStep, long totalSteps, int imagesPerStep);
    }

    /**
     * Whether the process talks to a terminal. Before JDK 22 {@link System#console()} is null unless it
     * does; from JDK 22 it returns a console even when the output is redirected, and
     * {@code Console.isTerminal()} (not in JDK 17's API, hence the reflection) tells.
     */
    public static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException beforeJdk22) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static final int WIDTH = 30;
    static final long REDRAW_NANOS = 200_000_000L, LINE_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String what, unit;
    private final long total;
    private final int imagesPerUnit;
    private final long start, startNanos, lineNanos;
    private long done, lastShown;
    private boolean drawn;
    private float loss = Float.NaN;

    /** The training bar on a terminal: steps from {@code startStep} to {@code total}, with images/s. */
    public ProgressBar(PrintStream out, long startStep, long total, int imagesPerStep) {
        this(out, true, "", "steps", startStep, total, imagesPerStep, LINE_NANOS);
    }

    /**
     * Progress through {@code total} things called {@code unit} ("images"), labelled {@code what}
     * ("scoring"), with images/s when each thing is {@code imagesPerUnit} images (0: no rate).
     */
    public static ProgressBar of(PrintStream out, boolean terminal, String what, String unit, long total, int imagesPerUnit) {
        return new ProgressBar(out, terminal, what, unit, 0, total, imagesPerUnit, LINE_NANOS);
    }

    /** {@code lineNanos}: the least time between two plain lines (tests shorten it). */
    ProgressBar(PrintStream out, boolean terminal, String what, String unit, long start, long total, int imagesPerUnit, long lineNanos) {
        this.out = out;
        this.terminal = terminal;
        this.what = what.isEmpty() ? "" : what + ": ";
        this.unit = unit;
        this.start = start;
        this.done = start;
        this.total = total;
        this.imagesPerUnit = imagesPerUnit;
        this.lineNanos = lineNanos;
        this.startNanos = System.nanoTime();
        this.lastShown = terminal ? startNanos - REDRAW_NANOS : startNanos;  // a bar at once; a plain line only after lineNanos
    }

    /** {@code done} things of the total are done. */
    public void update(long done) {
        this.done = done;
        long now = System.nanoTime();
        if (terminal) {
            if (done < total && now - lastShown < REDRAW_NANOS) return;
            out.print("\r" + text(now) + "\033[K");
            drawn = true;
        } else {
            if (done >= total || now - lastShown < lineNanos) return;
            out.println(text(now));
        }
        out.flush();
        lastShown = now;
    }

    /** One more thing is done. */
    public void advance() { update(done + 1); }

    /** Prints a line of its own, clearing the bar first (on a terminal it is drawn again at the next update). */
    public void note(String line) {
        clear();
        out.println(line);
        if (terminal) lastShown = System.nanoTime() - REDRAW_NANOS;
    }

    /** Clears the bar and prints the closing line: "decoding DIR: 5 images in 1.2 s". */
    public void finish() {
        clear();
        out.printf(Locale.ROOT, "%s%d %s in %.1f s%n", what, done - start, unit, (System.nanoTime() - startNanos) / 1e9);
        out.flush();
    }

    /** The last training loss read, shown on the bar from now on (drawn at once on a terminal). */
    public void loss(float loss) {
        this.loss = loss;
        if (terminal) {
            lastShown = System.nanoTime() - REDRAW_NANOS;
            update(done);
        }
    }

    private String text(long now) {
        double seconds = (now - startNanos) / 1e9;
        double perSecond = seconds > 0 ? (done - start) / seconds : 0;
        StringBuilder s = new StringBuilder(what);
        if (terminal) {
            int filled = (int) (WIDTH * Math.min(done, total) / Math.max(total, 1));
            s.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        }
        s.append(done).append('/').append(total).append(' ').append(unit);
        if (imagesPerUnit > 0) s.append(String.format(Locale.ROOT, perSecond * imagesPerUnit < 10 ? "  %.1f img/s" : "  %,.0f img/s", perSecond * imagesPerUnit));
        s.append("  ETA ").append(perSecond > 0 ? duration((total - done) / perSecond) : "?");
        if (!Float.isNaN(loss)) s.append(String.format(Locale.ROOT, "  loss %.4f", loss));
        return s.toString();
    }

    /** Clears the bar so that a log line can be printed (it comes back at the next update). */
    public void clear() {
        if (drawn) {
            out.print("\r\033[K");
            out.flush();
            drawn = false;
        }
    }

    /** A duration as "42s", "3m05s" or "1h02m". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
