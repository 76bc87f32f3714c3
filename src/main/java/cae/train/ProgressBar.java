package cae.train;

import java.io.PrintStream;

/** A one-line progress bar with images/s and ETA, redrawn in place on a terminal at most 5 times a second. */
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
    private final PrintStream out;
    private final long total;
    private final int imagesPerStep;
    private final long startStep, startNanos;
    private long lastDraw;
    private boolean drawn;

    public ProgressBar(PrintStream out, long startStep, long total, int imagesPerStep) {
        this.out = out;
        this.total = total;
        this.imagesPerStep = imagesPerStep;
        this.startStep = startStep;
        this.startNanos = System.nanoTime();
    }

    public void update(long step) {
        long now = System.nanoTime();
        if (step < total && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double seconds = (now - startNanos) / 1e9;
        double stepsPerSecond = seconds > 0 ? (step - startStep) / seconds : 0;
        int filled = (int) (WIDTH * step / Math.max(total, 1));
        String eta = stepsPerSecond > 0 ? duration((total - step) / stepsPerSecond) : "?";
        out.printf("\r[%s%s] %d/%d steps  %,.0f img/s  ETA %s\033[K", "#".repeat(filled), ".".repeat(WIDTH - filled),
                step, total, stepsPerSecond * imagesPerStep, eta);
        out.flush();
        drawn = true;
    }

    /** Clears the bar so that a log line can be printed. */
    public void clear() {
        if (drawn) {
            out.print("\r\033[K");
            out.flush();
            drawn = false;
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
