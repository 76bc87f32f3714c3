package cae.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wraps an engine and adds up the wall time of each op (synchronizing after each, so the GPU's
 * asynchronous work is counted where it runs). For `bench --ops`: where a step's time goes.
 */
public final class TimedEngine extends ForwardingEngine {
    private final Map<String, long[]> totals = new LinkedHashMap<>();

    public TimedEngine(Engine inner) { super(inner); }

    @Override protected void op(String name, Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        inner.synchronize();
        long[] t = totals.computeIfAbsent(name, k -> new long[2]);
        t[0] += System.nanoTime() - t0;
        t[1]++;
    }

    /** Op name (with the layer's shape) to {total nanoseconds, calls}. */
    public Map<String, long[]> totals() { return totals; }

    public void reset() { totals.clear(); }

    /** The body runs here, op by op, each timed (an inner engine would record and replay it whole, and refuse the waits). */
    @Override public void step(Runnable body) { body.run(); }
}
