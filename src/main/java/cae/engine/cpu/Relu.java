package cae.engine.cpu;

/** The ReLU's gradient, shared by both convolutions' backward passes. */
final class Relu {
    private Relu() {}

    /** dy = 0 where y <= 0, with vectors ({@link Simd#reluMask}) where the engine has them. */
    static void mask(boolean vectors, float[] y, int yo, float[] dy, int dyo, int length) {
        if (vectors) {
            Simd.reluMask(y, yo, dy, dyo, length);
            return;
        }
        for (int i = 0; i < length; i++) if (y[yo + i] <= 0f) dy[dyo + i] = 0f;
    }
}
