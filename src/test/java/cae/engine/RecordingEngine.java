package cae.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An engine over another that records every allocation (zeros, upload) with where it was made, and
 * every release: which tensors and image sets are still held, at each {@link #resetPeakMemory} (where
 * bench starts a configuration) and at {@link #close}. A release of something not held (twice, a view,
 * another engine's) is recorded as a problem.
 */
public final class RecordingEngine extends ForwardingEngine {
    private final Map<Object, String> held = new IdentityHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<List<String>> heldAtPeakResets = new ArrayList<>();
    private final List<String> uploads = new ArrayList<>();
    private List<String> heldAtClose;
    private int allocations, releases;

    public RecordingEngine(Engine inner) { super(inner); }

    /** The first frames of the caller outside the engine classes: where an allocation was made. */
    private static String where() {
        StringBuilder s = new StringBuilder();
        int frames = 0;
        for (StackTraceElement e : new Throwable().getStackTrace()) {
            if (e.getClassName().startsWith("cae.engine.")) continue;
            if (frames++ == 3) break;
            s.append(frames == 1 ? "" : " < ").append(e.getClassName().replaceFirst(".*\\.", "")).append('.').append(e.getMethodName())
                    .append(':').append(e.getLineNumber());
        }
        return s.toString();
    }

    @Override public Tensor zeros(int... shape) {
        Tensor t = inner.zeros(shape);
        held.put(t, "tensor " + Arrays.toString(shape) + " from " + where());
        allocations++;
        return t;
    }

    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) {
        ImageSet set = inner.upload(pixels, count, height, width);
        String what = count + " images of " + height + "x" + width + " from " + where();
        held.put(set, what);
        uploads.add(what);
        allocations++;
        return set;
    }

    @Override public ImageSet upload(Pixels pixels) {
        ImageSet set = inner.upload(pixels);
        String what = pixels.count() + " images of " + pixels.channels() + " channels, "
                + (pixels.sameSize() && pixels.count() > 0 ? pixels.height(0) + "x" + pixels.width(0) : "of several sizes") + " from " + where();
        held.put(set, what);
        uploads.add(what);
        allocations++;
        return set;
    }

    @Override public void release(Tensor t) {
        if (held.remove(t) == null) problems.add("released but not held: " + t + " from " + where());
        releases++;
        inner.release(t);
    }

    @Override public void release(ImageSet images) {
        if (held.remove(images) == null) problems.add("released but not held: an image set from " + where());
        releases++;
        inner.release(images);
    }

    @Override public void resetPeakMemory() {
        heldAtPeakResets.add(heldNow());
        inner.resetPeakMemory();
    }

    @Override public void close() {
        heldAtClose = heldNow();
        inner.close();
    }

    /** What is held now, one line each. */
    public List<String> heldNow() { return new ArrayList<>(held.values()); }

    /** What was held at each resetPeakMemory, in order. */
    public List<List<String>> heldAtPeakResets() { return heldAtPeakResets; }

    /** What was held when the engine was closed (null: not closed). */
    public List<String> heldAtClose() { return heldAtClose; }

    public List<String> problems() { return problems; }

    /** Every upload, in order: "N images of HxW from ...". */
    public List<String> uploads() { return uploads; }

    public int allocations() { return allocations; }

    public int releases() { return releases; }
}
