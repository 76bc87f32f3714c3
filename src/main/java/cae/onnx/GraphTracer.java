package cae.onnx;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Pixels;
import cae.engine.Sampling;
import cae.engine.Tensor;
import cae.onnx.OnnxGraph.Attribute;
import cae.onnx.OnnxGraph.Dimension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An engine that computes nothing: each forward op it is given becomes ONNX nodes with the same
 * meaning (the Engine javadoc's, docs/SPEC.md §2). Running a model's own forward pass on it writes the
 * model's graph, so the export follows whatever the model does, and a new engine op cannot be
 * forgotten here (this class stops compiling, or the export stops with the op's name).
 *
 * <p>The pass is traced at batch 1 and the graph takes any batch: dimension 0 of its input and
 * output is the symbol {@value #BATCH}. Height and width are those traced, because the pooling pads,
 * the resize sizes and the transposed convolutions' output padding depend on them.
 */
final class GraphTracer implements Engine {
    static final String BATCH = "N";

    /** A tensor of the traced pass: its value name once something wrote it, and its numbers when it was written with {@link #write}. */
    private static final class Value extends Tensor {
        final Value base;
        final int offset;
        String name;
        float[] data;
        Map<Integer, String> parameterNames = Map.of();

        Value(Value base, int offset, int... shape) {
            super(shape);
            this.base = base;
            this.offset = offset;
        }
    }

    private final OnnxGraph graph = new OnnxGraph();
    /** The pool that produced each pooled tensor, so that an unpooling can take its arg-max positions. */
    private final Map<Value, OnnxGraph.Node> poolOf = new IdentityHashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private Value input;
    private String batchDimension;

    OnnxGraph graph() { return graph; }

    /** Makes {@code t} (N x C x H x W) the graph input called {@code name}. */
    void input(Tensor t, String name) {
        Value v = value(t);
        if (t.rank() != 4) throw new IllegalArgumentException("the graph input must be N x C x H x W, got " + t);
        name(v, name);
        graph.input(name, dimensions(t));
        input = v;
    }

    /** Makes {@code t} the graph output called {@code name}; call it before the op that writes t. */
    void output(Tensor t, String name) {
        name(value(t), name);
        graph.output(name, dimensions(t));
    }

    /** Names the parameters in {@code flat} (written with {@link #write}): the name of the tensor that starts at each offset. */
    void nameParameters(Tensor flat, Map<Integer, String> namesByOffset) {
        value(flat).parameterNames = Map.copyOf(namesByOffset);
    }

    private static List<Dimension> dimensions(Tensor t) {
        List<Dimension> dims = new ArrayList<>(List.of(Dimension.symbol(BATCH)));
        for (int i = 1; i < t.rank(); i++) dims.add(Dimension.of(t.dim(i)));
        return dims;
    }

    private static Value value(Tensor t) {
        if (t instanceof Value v) return v;
        throw new IllegalArgumentException("tensor " + t + " was not made by the ONNX tracer");
    }

    private static void name(Value v, String name) {
        if (v.name != null) throw new IllegalStateException("a tensor is already named " + v.name);
        v.name = name;
    }

    /** The value name of a tensor an op reads: an earlier op's output, the input, or a parameter (a constant of the graph). */
    private String read(Tensor t) {
        Value v = value(t);
        if (v.base != null && v.base.data != null) return parameter(v);
        if (v.name == null || !graph.isDefined(v.name))
            throw new IllegalStateException("an op reads " + t + " before any op wrote it: the forward pass reads something the graph cannot hold");
        return v.name;
    }

    /** A view of the written parameter buffer, as a graph constant (once per view). */
    private String parameter(Value view) {
        if (view.name == null)
            view.name = view.base.parameterNames.getOrDefault(view.offset, "parameter" + view.offset);
        if (!graph.isDefined(view.name)) {
            float[] values = new float[view.size()];
            System.arraycopy(view.base.data, view.offset, values, 0, values.length);
            graph.floatConstant(view.name, view.shape(), values);
        }
        return view.name;
    }

    /** The value name an op writes into {@code t}: the one it was given (the graph output), else {@code fallback}'s. */
    private String written(Tensor t, Supplier<String> fallback) {
        Value v = value(t);
        if (v.name == null) v.name = fallback.get();
        if (graph.isDefined(v.name)) throw new IllegalStateException(v.name + " is written twice; an ONNX value is written once");
        return v.name;
    }

    /** {@code kind} and a count: maxpool1, resize2. */
    private Supplier<String> numbered(String kind) {
        return () -> kind + counts.merge(kind, 1, Integer::sum);
    }

    /** A layer's output is named after the layer, from its weight's name ("conv1.weight" -> "conv1"). */
    private Supplier<String> layerName(String weight, String kind) {
        return weight.endsWith(".weight") ? () -> weight.substring(0, weight.length() - ".weight".length()) : numbered(kind);
    }

    /** [N, C, H, W] of {@code t} at the graph's batch size, for ops that take an output size as a tensor. */
    private String sizesAtBatch(Tensor t, String name) {
        if (batchDimension == null) {
            if (input == null) throw new IllegalStateException("declare the graph input before the pass");
            String shape = shapeOf(input.name);
            batchDimension = node("Slice", "batch", List.of(shape, graph.int64Constant("batch.start", 0), graph.int64Constant("batch.end", 1)));
        }
        String rest = graph.int64Constant(name + ".chw", t.dim(1), t.dim(2), t.dim(3));
        return node("Concat", name, List.of(batchDimension, rest), Attribute.integer("axis", 0));
    }

    /** The shape of a value, as a tensor (one Shape node per value). */
    private String shapeOf(String value) {
        String shape = value + ".shape";
        return graph.isDefined(shape) ? shape : node("Shape", shape, List.of(value));
    }

    private String node(String opType, String output, List<String> inputs, Attribute... attributes) {
        graph.node(opType, output, inputs, List.of(output), attributes);
        return output;
    }

    /** A layer's ReLU, when it has one: the op writes {@code name}.linear and the ReLU writes name. */
    private void activation(String opType, String name, List<String> inputs, boolean relu, Attribute... attributes) {
        if (!relu) {
            node(opType, name, inputs, attributes);
            return;
        }
        String linear = node(opType, name + ".linear", inputs, attributes);
        node("Relu", name, List.of(linear));
    }

    private static void requireRank4(String op, Tensor... tensors) {
        for (Tensor t : tensors) if (t.rank() != 4) throw new IllegalArgumentException(op + ": expected N x C x H x W, got " + t);
    }

    // ---- memory ----

    @Override public String describe() { return "ONNX graph tracer (computes nothing)"; }

    @Override public Tensor zeros(int... shape) { return new Value(null, 0, shape); }

    @Override public Tensor view(Tensor base, int offset, int... shape) {
        Value b = value(base);
        Value v = new Value(b, offset, shape);
        if (offset < 0 || (long) offset + v.size() > b.size()) throw new IllegalArgumentException("view out of range");
        return v;
    }

    /** Only a whole buffer that is not a view: the parameters, which become constants of the graph. */
    @Override public void write(Tensor dst, float[] src) {
        Value v = value(dst);
        if (v.base != null || src.length != v.size()) throw new IllegalArgumentException("the tracer takes whole parameter buffers only");
        v.data = src.clone();
    }

    @Override public void read(Tensor src, float[] dst) { throw unsupported("read"); }
    @Override public void fill(Tensor dst, float value) { throw unsupported("fill"); }
    @Override public ImageSet upload(byte[] pixels, int count, int height, int width) { throw unsupported("upload"); }
    @Override public ImageSet upload(Pixels pixels) { throw unsupported("upload"); }
    @Override public void gather(ImageSet images, int from, Tensor clean, Tensor noisy, float noiseStd, long seed, long step) { throw unsupported("gather"); }
    @Override public void gather(Sampling sampling, int from, Tensor clean, Tensor noisy, long step) { throw unsupported("gather"); }
    @Override public void setOrder(int[] order) { throw unsupported("setOrder"); }

    // ---- layers ----

    /** Conv, 3x3, stride 1, one cell of zero padding on every side (SAME), OIHW weight, bias; then Relu. */
    @Override public void conv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        requireRank4("conv3x3", x, y);
        String in = read(x), w = read(weight), b = read(bias);
        activation("Conv", written(y, layerName(w, "conv")), List.of(in, w, b), relu,
                Attribute.ints("kernel_shape", 3, 3), Attribute.ints("strides", 1, 1), Attribute.ints("pads", 1, 1, 1, 1));
    }

    /**
     * MaxPool 2x2, stride 2, with TensorFlow's SAME padding as explicit pads: the total is
     * max((out - 1) * 2 + 2 - in, 0), its smaller half before, the rest after (one cell at the end of
     * an odd side). ONNX's MaxPool skips padded cells, so they never win, as in TensorFlow.
     */
    @Override public void maxPool(Tensor x, Tensor y) {
        requireRank4("maxPool", x, y);
        long[] pads = samePoolPads(x, y);
        String in = read(x), out = written(y, numbered("maxpool"));
        OnnxGraph.Node pool = graph.node("MaxPool", out, List.of(in), List.of(out),
                Attribute.ints("kernel_shape", 2, 2), Attribute.ints("strides", 2, 2), Attribute.ints("pads", pads));
        poolOf.put(value(y), pool);
    }

    /** ONNX's pads order: [top, left, bottom, right]. */
    private static long[] samePoolPads(Tensor x, Tensor y) {
        long[] pads = new long[4];
        for (int axis = 0; axis < 2; axis++) {
            int in = x.dim(2 + axis), out = y.dim(2 + axis);
            if (out != (in + 1) / 2) throw new IllegalArgumentException("maxPool: " + in + " -> " + out + " is not ceil(in / 2)");
            int total = Math.max((out - 1) * 2 + 2 - in, 0);
            pads[axis] = total / 2;
            pads[2 + axis] = total - total / 2;
        }
        return pads;
    }

    /**
     * Resize, mode nearest, asymmetric coordinates, nearest_mode floor: src = floor(dst * in / out),
     * clamped to in - 1, which is TensorFlow 1's resize_nearest_neighbor without align_corners or half
     * pixel centres.
     */
    @Override public void resize(Tensor x, Tensor y) {
        resizeNode(x, y, "resize", Attribute.string("mode", "nearest"), Attribute.string("nearest_mode", "floor"));
    }

    /** Resize, mode linear, asymmetric coordinates: src = dst * in / out, as TensorFlow 1's resize_bilinear. */
    @Override public void bilinearResize(Tensor x, Tensor y) {
        resizeNode(x, y, "bilinear", Attribute.string("mode", "linear"));
    }

    /** Resize to y's size, given as sizes (no roi, no scales), so no scale is rounded into the output size. */
    private void resizeNode(Tensor x, Tensor y, String kind, Attribute... mode) {
        requireRank4(kind, x, y);
        if (x.dim(1) != y.dim(1)) throw new IllegalArgumentException(kind + ": channels differ, " + x + " -> " + y);
        String in = read(x), out = written(y, numbered(kind));
        String sizes = sizesAtBatch(y, out + ".sizes");
        Attribute[] attributes = new Attribute[mode.length + 1];
        attributes[0] = Attribute.string("coordinate_transformation_mode", "asymmetric");
        System.arraycopy(mode, 0, attributes, 1, mode.length);
        node("Resize", out, List.of(in, "", "", sizes), attributes);
    }

    /**
     * ConvTranspose 3x3, stride 2, pads 1 (PyTorch's ConvTranspose2d layout, (Cin, Cout, 3, 3)), whose
     * output is 2 H - 1; output_padding adds the one row or column at the end where y is 2 H.
     */
    @Override public void transposedConv3x3(Tensor x, Tensor weight, Tensor bias, Tensor y, boolean relu) {
        requireRank4("transposedConv3x3", x, y);
        long[] outputPadding = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            outputPadding[axis] = y.dim(2 + axis) - (2L * x.dim(2 + axis) - 1);
            if (outputPadding[axis] != 0 && outputPadding[axis] != 1)
                throw new IllegalArgumentException("transposedConv3x3: " + x + " -> " + y + " is not 2 H - 1 or 2 H");
        }
        String in = read(x), w = read(weight), b = read(bias);
        activation("ConvTranspose", written(y, layerName(w, "tconv")), List.of(in, w, b), relu,
                Attribute.ints("kernel_shape", 3, 3), Attribute.ints("strides", 2, 2), Attribute.ints("pads", 1, 1, 1, 1),
                Attribute.ints("output_padding", outputPadding));
    }

    /**
     * The encoder's MaxPool gains its Indices output, and MaxUnpool puts the values there, in a
     * tensor of the pool input's shape (zero elsewhere). ONNX Runtime's MaxPool keeps a window's first
     * maximum in row-major order (it replaces only on a strictly larger value), which is the arg-max
     * our engines route to; the tests hold it to that on ties.
     */
    @Override public void maxUnpool(Tensor poolInput, Tensor pooled, Tensor values, Tensor out) {
        requireRank4("maxUnpool", poolInput, pooled, values, out);
        OnnxGraph.Node pool = poolOf.get(value(pooled));
        String source = read(poolInput);
        if (pool == null || !pool.inputs.get(0).equals(source))
            throw new IllegalArgumentException("maxUnpool: " + pooled + " does not come from a maxPool of " + poolInput);
        if (pool.outputs.size() == 1) graph.addOutput(pool, pool.outputs.get(0) + ".indices");
        for (int axis = 2; axis < 4; axis++)
            if (out.dim(axis) != poolInput.dim(axis)) throw new IllegalArgumentException("maxUnpool: " + out + " is not the shape of " + poolInput);
        // no output_shape input: MaxUnpool's own output size, (in - 1) * 2 - pads + 2, is the pool input's with the pool's pads
        String in = read(values), result = written(out, numbered("unpool"));
        node("MaxUnpool", result, List.of(in, pool.outputs.get(1)),
                pool.attribute("kernel_shape"), pool.attribute("strides"), pool.attribute("pads"));
    }

    @Override public void sigmoid(Tensor x, Tensor y) {
        String in = read(x);
        node("Sigmoid", written(y, numbered("sigmoid")), List.of(in));
    }

    /** Add: a skip connection joining a decoder stage's output and the encoder's of its size. */
    @Override public void add(Tensor a, Tensor b, Tensor out) { elementwise("Add", "add", a, b, out); }

    /** Sub: the residual output, the input minus the predicted noise. */
    @Override public void subtract(Tensor a, Tensor b, Tensor out) { elementwise("Sub", "subtract", a, b, out); }

    /**
     * Both operands and the output of one shape (ONNX would broadcast others, which the engines do not
     * do), and the output a tensor of its own: an ONNX value is written once, so out cannot be a or b.
     */
    private void elementwise(String opType, String kind, Tensor a, Tensor b, Tensor out) {
        if (!Arrays.equals(a.shape(), b.shape()) || !Arrays.equals(a.shape(), out.shape()))
            throw new IllegalArgumentException(kind + ": shapes " + Arrays.toString(a.shape()) + ", " + Arrays.toString(b.shape())
                    + " -> " + Arrays.toString(out.shape()) + " differ");
        String x = read(a), y = read(b);
        node(opType, written(out, numbered(kind)), List.of(x, y));
    }

    /** Identity: the linear output (the logits themselves, with the MSE loss). */
    @Override public void copy(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("copy: shapes " + Arrays.toString(src.shape()) + " -> " + Arrays.toString(dst.shape()) + " differ");
        String in = read(src);
        node("Identity", written(dst, numbered("copy")), List.of(in));
    }

    // ---- what a forward pass does not use ----

    private static UnsupportedOperationException unsupported(String op) {
        return new UnsupportedOperationException(op + " is not part of a forward pass, which is all an ONNX graph holds");
    }

    @Override public void conv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu, Tensor dx, Tensor dWeight, Tensor dBias) {
        throw unsupported("conv3x3Backward");
    }

    @Override public void maxPoolBackward(Tensor x, Tensor y, Tensor dy, Tensor dx) { throw unsupported("maxPoolBackward"); }
    @Override public void resizeBackward(Tensor dy, Tensor dx) { throw unsupported("resizeBackward"); }
    @Override public void bilinearResizeBackward(Tensor dy, Tensor dx) { throw unsupported("bilinearResizeBackward"); }

    @Override public void transposedConv3x3Backward(Tensor x, Tensor weight, Tensor y, Tensor dy, boolean relu,
                                                    Tensor dx, Tensor dWeight, Tensor dBias) {
        throw unsupported("transposedConv3x3Backward");
    }

    @Override public void maxUnpoolBackward(Tensor poolInput, Tensor pooled, Tensor dOut, Tensor dValues) { throw unsupported("maxUnpoolBackward"); }

    @Override public void sigmoidCrossEntropy(Tensor logits, Tensor target, Tensor dLogits, Tensor losses, int slot) {
        throw unsupported("sigmoidCrossEntropy");
    }

    @Override public void meanSquaredError(Tensor prediction, Tensor target, Tensor dPrediction, Tensor losses, int slot) {
        throw unsupported("meanSquaredError");
    }

    @Override public void adam(Tensor params, Tensor grads, Tensor m, Tensor v, float lrT, float beta1, float beta2, float epsilon) {
        throw unsupported("adam");
    }

    @Override public void synchronize() {}

    @Override public void close() {}
}
