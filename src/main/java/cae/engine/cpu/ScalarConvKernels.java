package cae.engine.cpu;

/**
 * The 3x3 SAME convolution in plain loops, for a JVM started without the Vector API: the same
 * function as {@link Conv3x3Kernels} (within float rounding), several times slower. Each output row
 * is accumulated tap by tap over whole rows, which the JIT can vectorise on its own, and the padding
 * is handled by clipping each tap's column range, so no scratch is needed.
 */
final class ScalarConvKernels implements ConvKernels {

    /** out[r][c] += k * in[r + dy][c + dx] over the cells where the source lies inside the h x w plane. */
    private static void addShifted(float[] in, int io, float[] out, int oo, int h, int w, int dy, int dx, float k) {
        int c0 = Math.max(0, -dx), c1 = Math.min(w, w - dx);
        for (int r = Math.max(0, -dy), rEnd = Math.min(h, h - dy); r < rEnd; r++) {
            int src = io + (r + dy) * w + dx, dst = oo + r * w;
            for (int c = c0; c < c1; c++) out[dst + c] += k * in[src + c];
        }
    }

    @Override public void forward(float[] x, int xo, int cin, int h, int w, float[] wt, int wo, float[] bias, int bo, int cout,
                                  float[] y, int yo, boolean relu) {
        int plane = h * w;
        for (int co = 0; co < cout; co++) {
            int out = yo + co * plane;
            java.util.Arrays.fill(y, out, out + plane, bias[bo + co]);
            for (int ci = 0; ci < cin; ci++)
                for (int t = 0; t < 9; t++)
                    addShifted(x, xo + ci * plane, y, out, h, w, t / 3 - 1, t % 3 - 1, wt[wo + (co * cin + ci) * 9 + t]);
            if (relu) for (int i = out; i < out + plane; i++) y[i] = Math.max(y[i], 0f);
        }
    }

    @Override public void backwardData(float[] dy, int dyo, int cout, int h, int w, float[] wt, int wo, int cin, float[] dx, int dxo) {
        int plane = h * w;
        java.util.Arrays.fill(dx, dxo, dxo + cin * plane, 0f);
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
                for (int t = 0; t < 9; t++)  // tap (ky, kx) read x[r + ky - 1]: its gradient flows back the opposite way
                    addShifted(dy, dyo + co * plane, dx, dxo + ci * plane, h, w, 1 - t / 3, 1 - t % 3, wt[wo + (co * cin + ci) * 9 + t]);
    }

    @Override public void backwardFilter(float[] x, int xo, int cin, int h, int w, float[] dy, int dyo, int cout,
                                         float[] dw, int dwo, float[] db, int dbo) {
        int plane = h * w;
        for (int co = 0; co < cout; co++) {
            int g = dyo + co * plane;
            float sum = 0f;
            for (int i = g; i < g + plane; i++) sum += dy[i];
            db[dbo + co] += sum;
            for (int ci = 0; ci < cin; ci++)
                for (int t = 0; t < 9; t++) {
                    int ky = t / 3 - 1, kx = t % 3 - 1, in = xo + ci * plane;
                    float acc = 0f;
                    int c0 = Math.max(0, -kx), c1 = Math.min(w, w - kx);
                    for (int r = Math.max(0, -ky), rEnd = Math.min(h, h - ky); r < rEnd; r++) {
                        int src = in + (r + ky) * w + kx, out = g + r * w;
                        for (int c = c0; c < c1; c++) acc += dy[out + c] * x[src + c];
                    }
                    dw[dwo + (co * cin + ci) * 9 + t] += acc;
                }
        }
    }
}
