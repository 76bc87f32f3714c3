package cae.data;

import java.io.PrintStream;

/**
 * Progress through a count of things: on a terminal a bar redrawn in place at most 5 times a second;
 * elsewhere (a log file, a pipe) a plain line at most every 10 seconds. Both end with one line saying
 * how many and how long. Not for use from several threads at once.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L, LINE_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String what, unit;
    private final long total, start;
    private long done, lastShown;
    private boolean drawn;

    /** {@code what}: the work, e.g. "decoding DIR"; {@code unit}: what is counted, e.g. "images". */
    Progress(PrintStream out, boolean terminal, String what, String unit, long total) {
        this.out = out;
        this.terminal = terminal;
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.start = System.nanoTime();
        this.lastShown = start;
    }

    void advance() {
        done++;
        long now = System.nanoTime();
        if (done >= total) return;
        if (terminal && now - lastShown >= REDRAW_NANOS) {
            int filled = (int) (WIDTH * done / Math.max(total, 1));
            out.printf("\r%s: [%s%s] %d/%d %s\033[K", what, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, unit);
            out.flush();
            drawn = true;
            lastShown = now;
        } else if (!terminal && now - lastShown >= LINE_NANOS) {
            out.printf("%s: %d/%d %s%n", what, done, total, unit);
            lastShown = now;
        }
    }

    /** Prints a line of its own, clearing the bar first (it is drawn again on the next advance). */
    void note(String line) {
        if (drawn) out.print("\r\033[K");
        drawn = false;
        if (terminal) lastShown = 0;  // the bar comes back at the next advance
        out.println(line);
    }

    /** The closing line (clearing the bar first). */
    void finish() {
        if (drawn) out.print("\r\033[K");
        out.printf(java.util.Locale.ROOT, "%s: %d %s in %.1f s%n", what, done, unit, (System.nanoTime() - start) / 1e9);
        out.flush();
    }
}
