package cae.engine.cpu;

/**
 * The 3x3 stride-1 SAME convolution of one sample (CHW planes in float arrays at offsets), forward,
 * backward-data and backward-filter; weights OIHW. One instance per worker thread, owning its
 * scratch. {@link Conv3x3Kernels} is the vector implementation, {@link ScalarConvKernels} the plain
 * one for a JVM without the Vector API.
 */
interface ConvKernels {
    /** y[co] = bias[co] + sum_ci conv(x[ci], w[co][ci]); ReLU after when {@code relu}. y is overwritten. */
    void forward(float[] x, int xo, int cin, int h, int w, float[] wt, int wo, float[] bias, int bo, int cout,
                 float[] y, int yo, boolean relu);

    /** dx[ci] = sum_co full-correlation of dy[co] with the flipped kernel w[co][ci]; dx is overwritten. */
    void backwardData(float[] dy, int dyo, int cout, int h, int w, float[] wt, int wo, int cin, float[] dx, int dxo);

    /** dw[co][ci] += correlation of x[ci] with dy[co]; db[co] += sum dy[co]. Both accumulate. */
    void backwardFilter(float[] x, int xo, int cin, int h, int w, float[] dy, int dyo, int cout, float[] dw, int dwo, float[] db, int dbo);
}
