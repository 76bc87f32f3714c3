package cae.engine.cpu;

/**
 * 3x3 stride-1 SAME convolution of one sample (CHW planes in float arrays at offsets), forward,
 * backward-data and backward-filter. One instance per worker thread: it owns its scratch buffers,
 * grown on first use of a shape and reused after, so steady-state calls allocate nothing.
 * Weights are OIHW: weight[((co * cin + ci) * 3 + ky) * 3 + kx].
 */
final class Conv3x3Kernels {

    /** y[co] = bias[co] + sum_ci conv(x[ci], w[co][ci]); ReLU after when {@code relu}. y is overwritten. */
    void forward(float[] x, int xo, int cin, int h, int w,
                 float[] wt, int wo, float[] bias, int bo, int cout,
                 float[] y, int yo, boolean relu) {
        int plane = h * w;
        for (int co = 0; co < cout; co++) {
            int yBase = yo + co * plane;
            java.util.Arrays.fill(y, yBase, yBase + plane, bias[bo + co]);
            for (int ci = 0; ci < cin; ci++) {
                int xBase = xo + ci * plane;
                int k = wo + (co * cin + ci) * 9;
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        float wv = wt[k + ky * 3 + kx];
                        for (int r = 0; r < h; r++) {
                            int sr = r + ky - 1;
                            if (sr < 0 || sr >= h) continue;
                            int c0 = Math.max(0, 1 - kx), c1 = Math.min(w, w + 1 - kx);
                            int yRow = yBase + r * w, xRow = xBase + sr * w + kx - 1;
                            for (int c = c0; c < c1; c++) y[yRow + c] = Math.fma(wv, x[xRow + c], y[yRow + c]);
                        }
                    }
                }
            }
            if (relu) for (int i = yBase; i < yBase + plane; i++) y[i] = Math.max(y[i], 0f);
        }
    }

    /** dx[ci] = sum_co full-correlation of dy[co] with the flipped kernel w[co][ci]; dx is overwritten. */
    void backwardData(float[] dy, int dyo, int cout, int h, int w,
                      float[] wt, int wo, int cin, float[] dx, int dxo) {
        int plane = h * w;
        java.util.Arrays.fill(dx, dxo, dxo + cin * plane, 0f);
        for (int ci = 0; ci < cin; ci++) {
            int dxBase = dxo + ci * plane;
            for (int co = 0; co < cout; co++) {
                int dyBase = dyo + co * plane;
                int k = wo + (co * cin + ci) * 9;
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        float wv = wt[k + ky * 3 + kx];
                        // y[r][c] used x[r + ky - 1][c + kx - 1]; so dx[sr][sc] += w * dy[sr - ky + 1][sc - kx + 1]
                        for (int r = 0; r < h; r++) {
                            int sr = r + ky - 1;
                            if (sr < 0 || sr >= h) continue;
                            int c0 = Math.max(0, 1 - kx), c1 = Math.min(w, w + 1 - kx);
                            int dyRow = dyBase + r * w, dxRow = dxBase + sr * w + kx - 1;
                            for (int c = c0; c < c1; c++) dx[dxRow + c] = Math.fma(wv, dy[dyRow + c], dx[dxRow + c]);
                        }
                    }
                }
            }
        }
    }

    /** dw[co][ci] += correlation of x[ci] with dy[co]; db[co] += sum dy[co]. Both accumulate. */
    void backwardFilter(float[] x, int xo, int cin, int h, int w,
                        float[] dy, int dyo, int cout, float[] dw, int dwo, float[] db, int dbo) {
        int plane = h * w;
        for (int co = 0; co < cout; co++) {
            int dyBase = dyo + co * plane;
            float s = 0f;
            for (int i = 0; i < plane; i++) s += dy[dyBase + i];
            db[dbo + co] += s;
            for (int ci = 0; ci < cin; ci++) {
                int xBase = xo + ci * plane;
                int k = dwo + (co * cin + ci) * 9;
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        float acc = 0f;
                        for (int r = 0; r < h; r++) {
                            int sr = r + ky - 1;
                            if (sr < 0 || sr >= h) continue;
                            int c0 = Math.max(0, 1 - kx), c1 = Math.min(w, w + 1 - kx);
                            int dyRow = dyBase + r * w, xRow = xBase + sr * w + kx - 1;
                            for (int c = c0; c < c1; c++) acc = Math.fma(x[xRow + c], dy[dyRow + c], acc);
                        }
                        dw[k + ky * 3 + kx] += acc;
                    }
                }
            }
        }
    }
}
