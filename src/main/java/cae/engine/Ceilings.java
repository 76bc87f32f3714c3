package cae.engine;

import java.util.Locale;

/**
 * A device's two ceilings, measured on it (not datasheet figures): bytes per second of a large
 * device-to-device copy (bytes read plus bytes written) and FLOP/s of a large matrix product. With a
 * piece of work's FLOPs and least bytes moved, they give its floor: the larger of the two times.
 */
public record Ceilings(double bytesPerSecond, double flopsPerSecond, String how) {

    /** Seconds the work cannot go under: max(flops / FLOP/s, bytes / bytes per second); the memory term alone without a FLOP/s figure. */
    public double floorSeconds(double flops, double bytes) {
        return Math.max(arithmeticSeconds(flops), bytes / bytesPerSecond);
    }

    /** Which of the two sets the floor: "arithmetic" or "memory". */
    public String bound(double flops, double bytes) {
        return arithmeticSeconds(flops) >= bytes / bytesPerSecond ? "arithmetic" : "memory";
    }

    private double arithmeticSeconds(double flops) {
        return Double.isNaN(flopsPerSecond) ? 0 : flops / flopsPerSecond;
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "%.2f TB/s copy, %s (%s)", bytesPerSecond / 1e12,
                Double.isNaN(flopsPerSecond) ? "no matrix-product figure" : String.format(Locale.ROOT, "%.1f TFLOP/s matrix product", flopsPerSecond / 1e12), how);
    }
}
