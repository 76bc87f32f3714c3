package cae.model;

import java.util.Locale;

/**
 * How the decoder goes back up from the 4 x 4 code to the image size. The recipe is
 * {@link #NEAREST}; the others are there to measure why (checkerboard artifacts, Odena et al. 2016).
 */
public enum Decoder {
    /** Nearest resize to the encoder's recorded size, then a 3x3 convolution (the recipe). */
    NEAREST,
    /** Bilinear resize (TensorFlow 1 rule) to the recorded size, then a 3x3 convolution. */
    BILINEAR,
    /** A 3x3 transposed convolution, stride 2, cropped to the recorded size: the artifact-prone design. */
    TRANSPOSED,
    /** SegNet-style max-unpooling with the encoder's pooling positions, then a 3x3 convolution. */
    UNPOOL;

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static Decoder parse(String s) {
        for (Decoder d : values()) if (d.id().equals(s.toLowerCase(Locale.ROOT))) return d;
        throw new IllegalArgumentException("unknown decoder '" + s + "' (expected nearest, bilinear, transposed or unpool)");
    }
}
