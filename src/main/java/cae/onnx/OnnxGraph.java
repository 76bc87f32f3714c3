package cae.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph being built (nodes in execution order, constant tensors, the graph's inputs and
 * outputs) and its serialization as a ModelProto, with the field numbers of onnx.proto. Only what
 * the export needs: float and int64 tensors, int, ints and string attributes, the default operator
 * set.
 */
final class OnnxGraph {
    /** TensorProto.DataType values. */
    static final int FLOAT = 1, INT64 = 7;
    /** IR version 7 is the one that goes with operator set 13 (ONNX 1.8). */
    static final int IR_VERSION = 7;

    /** A node. Its outputs may grow after it is added: a MaxPool gains its Indices output when an unpooling needs it. */
    static final class Node {
        final String opType, name;
        final List<String> inputs, outputs;
        final List<Attribute> attributes;

        Node(String opType, String name, List<String> inputs, List<String> outputs, List<Attribute> attributes) {
            this.opType = opType;
            this.name = name;
            this.inputs = List.copyOf(inputs);
            this.outputs = new ArrayList<>(outputs);
            this.attributes = List.copyOf(attributes);
        }

        Attribute attribute(String name) {
            for (Attribute a : attributes) if (a.name.equals(name)) return a;
            throw new IllegalArgumentException(opType + " node " + this.name + " has no attribute " + name);
        }
    }

    /** An attribute of type INT (2), STRING (3) or INTS (7). */
    record Attribute(String name, int type, long value, String text, long[] values) {
        static Attribute ints(String name, long... values) { return new Attribute(name, 7, 0, null, values.clone()); }
        static Attribute integer(String name, long value) { return new Attribute(name, 2, value, null, null); }
        static Attribute string(String name, String text) { return new Attribute(name, 3, 0, text, null); }
    }

    /** A dimension of a graph input or output: a number, or a name that the runtime binds to any size (the batch). */
    record Dimension(long value, String symbol) {
        static Dimension of(long value) { return new Dimension(value, null); }
        static Dimension symbol(String name) { return new Dimension(0, name); }
    }

    private record Constant(String name, int type, long[] dims, byte[] littleEndian) {}
    private record Port(String name, List<Dimension> dims) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Constant> constants = new LinkedHashMap<>();
    private final List<Port> inputs = new ArrayList<>(), outputs = new ArrayList<>();
    /** Every name a value has been given (graph inputs, node outputs, constants): ONNX names each value once. */
    private final Set<String> defined = new HashSet<>();

    Node node(String opType, String name, List<String> inputs, List<String> outputs, Attribute... attributes) {
        for (String output : outputs) define(output);
        Node node = new Node(opType, name, inputs, outputs, List.of(attributes));
        nodes.add(node);
        return node;
    }

    /** Adds an output to a node already in the graph. */
    void addOutput(Node node, String output) {
        define(output);
        node.outputs.add(output);
    }

    boolean isDefined(String name) { return defined.contains(name); }

    String floatConstant(String name, int[] dims, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return constant(name, FLOAT, toLongs(dims), bytes.array());
    }

    /** A one-dimensional int64 tensor (sizes, slice bounds). */
    String int64Constant(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return constant(name, INT64, new long[] {values.length}, bytes.array());
    }

    private String constant(String name, int type, long[] dims, byte[] littleEndian) {
        define(name);
        constants.put(name, new Constant(name, type, dims, littleEndian));
        return name;
    }

    void input(String name, List<Dimension> dims) {
        define(name);
        inputs.add(new Port(name, List.copyOf(dims)));
    }

    /** Declares {@code name} a float output of the graph; some node must produce it before {@link #model}. */
    void output(String name, List<Dimension> dims) {
        outputs.add(new Port(name, List.copyOf(dims)));
    }

    private void define(String name) {
        if (name.isEmpty() || !defined.add(name)) throw new IllegalStateException("the value name '" + name + "' is empty or already taken");
    }

    private static long[] toLongs(int[] values) {
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) longs[i] = values[i];
        return longs;
    }

    /**
     * The ModelProto: this graph under operator set {@code opset} of the default domain, with
     * {@code metadata} as its metadata_props.
     */
    byte[] model(String graphName, String docString, int opset, String producer, Map<String, String> metadata) {
        for (Port output : outputs)
            if (!defined.contains(output.name)) throw new IllegalStateException("no node produces the graph output " + output.name);
        ProtoWriter model = new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, producer)
                .message(7, graph(graphName, docString))
                .message(8, new ProtoWriter().string(1, "").varint(2, opset));
        metadata.forEach((key, value) -> model.message(14, new ProtoWriter().string(1, key).string(2, value)));
        return model.toByteArray();
    }

    private ProtoWriter graph(String name, String docString) {
        ProtoWriter graph = new ProtoWriter();
        for (Node node : nodes) graph.message(1, node(node));
        graph.string(2, name);
        for (Constant c : constants.values()) graph.message(5, tensor(c));
        graph.string(10, docString);
        for (Port input : inputs) graph.message(11, valueInfo(input));
        for (Port output : outputs) graph.message(12, valueInfo(output));
        return graph;
    }

    private static ProtoWriter node(Node node) {
        ProtoWriter w = new ProtoWriter();
        for (String input : node.inputs) w.string(1, input);
        for (String output : node.outputs) w.string(2, output);
        w.string(3, node.name).string(4, node.opType);
        for (Attribute a : node.attributes) w.message(5, attribute(a));
        return w;
    }

    private static ProtoWriter attribute(Attribute a) {
        ProtoWriter w = new ProtoWriter().string(1, a.name);
        switch (a.type) {
            case 2 -> w.varint(3, a.value);
            case 3 -> w.string(4, a.text);
            case 7 -> { for (long v : a.values) w.varint(8, v); }
            default -> throw new IllegalArgumentException("attribute type " + a.type);
        }
        return w.varint(20, a.type);
    }

    private static ProtoWriter tensor(Constant c) {
        ProtoWriter w = new ProtoWriter();
        for (long d : c.dims) w.varint(1, d);
        return w.varint(2, c.type).string(8, c.name).bytes(9, c.littleEndian);
    }

    /** A float tensor's name, element type and shape. */
    private static ProtoWriter valueInfo(Port port) {
        ProtoWriter shape = new ProtoWriter();
        for (Dimension d : port.dims)
            shape.message(1, d.symbol != null ? new ProtoWriter().string(2, d.symbol) : new ProtoWriter().varint(1, d.value));
        ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
        return new ProtoWriter().string(1, port.name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
