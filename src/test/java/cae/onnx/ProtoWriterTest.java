package cae.onnx;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The wire format against encodings worked out by hand from the protobuf encoding rules. */
class ProtoWriterTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void varintsTakeSevenBitsPerByteLowFirst() {
        assertArrayEquals(bytes(0x08, 0x96, 0x01), new ProtoWriter().varint(1, 150).toByteArray());
        assertArrayEquals(bytes(0x08, 0x00), new ProtoWriter().varint(1, 0).toByteArray());
        assertArrayEquals(bytes(0x08, 0x7F), new ProtoWriter().varint(1, 127).toByteArray());
        assertArrayEquals(bytes(0x08, 0x80, 0x01), new ProtoWriter().varint(1, 128).toByteArray());
        // a negative int64 is its two's complement: ten bytes
        assertArrayEquals(bytes(0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), new ProtoWriter().varint(3, -1).toByteArray());
        // field 20 (AttributeProto.type) needs a two-byte key: 20 << 3 = 160
        assertArrayEquals(bytes(0xA0, 0x01, 0x07), new ProtoWriter().varint(20, 7).toByteArray());
    }

    @Test
    void stringsMessagesAndFloats() {
        assertArrayEquals(bytes(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'), new ProtoWriter().string(2, "testing").toByteArray());
        assertArrayEquals(bytes(0x1A, 0x03, 0x08, 0x96, 0x01), new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).toByteArray());
        assertArrayEquals(bytes(0x25, 0x00, 0x00, 0x80, 0x3F), new ProtoWriter().float32(4, 1.0f).toByteArray());
        assertArrayEquals(bytes(0x12, 0x02, 0xC3, 0xA9), new ProtoWriter().string(2, "\u00e9").toByteArray(), "UTF-8");
        assertThrows(IllegalArgumentException.class, () -> new ProtoWriter().varint(0, 1));
    }

    @Test
    void aGraphNamesEachValueOnce() {
        OnnxGraph graph = new OnnxGraph();
        graph.input("x", List.of(OnnxGraph.Dimension.symbol("N")));
        graph.node("Relu", "y", List.of("x"), List.of("y"));
        assertThrows(IllegalStateException.class, () -> graph.node("Relu", "y2", List.of("y"), List.of("x")));
        graph.output("z", List.of(OnnxGraph.Dimension.symbol("N")));
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> graph.model("g", "", 13, "test", Map.of()));
        assertTrue(missing.getMessage().contains("z"), missing.getMessage());
    }
}
