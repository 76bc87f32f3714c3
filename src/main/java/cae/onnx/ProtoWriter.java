package cae.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Protocol Buffers' wire format, the writing half and only the field kinds ONNX's messages use:
 * varints (int32, int64, enums), length-delimited fields (strings, bytes, nested messages) and
 * fixed32 floats. Each field is a key (field number << 3 | wire type) then its value; a nested
 * message is written into its own writer first, because its length precedes it.
 *
 * <p>Repeated scalars are written one key per element (proto2's unpacked form, which ONNX's
 * proto2 schema declares); every protobuf parser also accepts that form for packed fields.
 */
final class ProtoWriter {
    private static final int VARINT = 0, LENGTH_DELIMITED = 2, FIXED32 = 5;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** An int32, int64 or enum field; a negative value takes ten bytes, as protobuf's int64 does. */
    ProtoWriter varint(int field, long value) {
        key(field, VARINT);
        rawVarint(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] value) {
        key(field, LENGTH_DELIMITED);
        rawVarint(value.length);
        bytes.writeBytes(value);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A float field: four little-endian bytes. */
    ProtoWriter float32(int field, float value) {
        key(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) bytes.write(bits >>> (8 * i));
        return this;
    }

    byte[] toByteArray() { return bytes.toByteArray(); }

    private void key(int field, int wireType) {
        if (field < 1) throw new IllegalArgumentException("field numbers start at 1, got " + field);
        rawVarint(((long) field << 3) | wireType);
    }

    /** Seven bits per byte, least significant first, the high bit set on every byte but the last. */
    private void rawVarint(long value) {
        while ((value & ~0x7FL) != 0) {
            bytes.write((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes.write((int) value);
    }
}
