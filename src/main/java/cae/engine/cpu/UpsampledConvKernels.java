package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A nearest resize from ceil(h / 2) x ceil(w / 2) up to h x w, then a 3x3 stride-1 SAME convolution
 * (each up stage of the nearest decoder), for one sample, computed from the small input without the
 * resized one. One instance per worker thread, owning its scratch.
 *
 * <p>Why it is cheaper. The resize reads source cell floor(Y / 2) for output row Y (and the same for
 * columns), so the three kernel rows of an even output row 2i read source rows i - 1, i, i and those of
 * an odd row 2i + 1 read i, i, i + 1. Each of the four output phases (row parity, column parity) is
 * then a convolution of the small input with a 2 x 2 kernel whose weights are sums of the 3 x 3
 * kernel's (kernel row 0 alone and rows 1 + 2 for even rows, rows 0 + 1 and row 2 alone for odd ones):
 * 4 multiply-adds per output and channel pair where the resized input takes 9. Backward-data is the
 * four phases' transposed convolutions summed into the small input's gradient; backward-filter
 * correlates each phase's gradient with the small input over the phase's four taps and gives each
 * kernel tap the sum of the phase taps it was folded into (small planes: the resized sample's
 * backward-filter instead).
 *
 * <p>At an odd side the resized image ends on an even row whose row below is the zero padding, not a
 * copy of the last source row as the phases assume: that last row (and column) is summed along its
 * line from the resize's rule instead, in forward and in both gradients. Every output's value depends
 * only on the input around it and on whether it lies on such an edge, so a window of an image (the
 * tiled denoiser's, which starts at even coordinates and ends where the image does) gives the same bits.
 */
final class UpsampledConvKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Source offset (-1, 0 or 1) that tap group {@code group} (0 or 1) of a row or column phase reads. */
    static int offset(int phase, int group) { return phase == 0 ? group - 1 : group; }

    /**
     * The TapPlanes tap (0 to 2 along one axis) that tap group {@code group} of a phase reads: its
     * offset + 1, or 1 - offset for the transposed convolution (backward-data reads the other way).
     */
    private static int tapIndex(int phase, int group, boolean transposed) {
        return transposed ? 1 - offset(phase, group) : offset(phase, group) + 1;
    }

    /** The tap group of a row or column phase that kernel tap k (0 to 2) falls into. */
    static int group(int phase, int k) { return phase == 0 ? (k == 0 ? 0 : 1) : (k == 2 ? 1 : 0); }

    /** FOLD[p][ky 3 + kx]: the tap (a 2 + b) of phase p that kernel tap (ky, kx) was folded into. */
    private static final int[][] FOLD = new int[4][9];

    static {
        for (int p = 0; p < 4; p++)
            for (int k = 0; k < 9; k++) FOLD[p][k] = group(p >> 1, k / 3) * 2 + group(p & 1, k % 3);
    }

    /**
     * Backward-filter goes through the phases from this many cells of the small input on: below, the
     * four passes' fixed costs (transposing each phase's gradient, folding the taps) outweigh the
     * arithmetic they save, and the resized sample's backward-filter is faster (the recipe's 7 x 7).
     */
    static final int PHASE_FILTER_CELLS = 32;

    /** One GEMM per phase, each keeping its own packed weights across the samples of a batch. */
    private final Conv3x3Kernels[] phaseGemms = new Conv3x3Kernels[4];
    private final Conv3x3Kernels dataGemm, phaseFilter;
    /** The worker's convolution kernels, for backward-filter on the resized input. */
    private final ConvKernels full;
    private final TapPlanes source = new TapPlanes(), gradient = new TapPlanes();
    private final PackedWeights forwardFrom = new PackedWeights(), backwardFrom = new PackedWeights();
    /** The phases' 2 x 2 kernels: combined[(((p cout + o) cin + c) 2 + a) 2 + b]. */
    private float[] combined = new float[0];
    /** The same weights as backward-data's GEMM reads them: [c][(p cout + o) 4 + 2 a + b]. */
    private float[] transposedRows = new float[0];
    private int[] taps = new int[0];
    private float[] phaseOutputs = new float[0], phaseGradients = new float[0], resizedInput = new float[0];
    private float[] lines = new float[0], gradientLines = new float[0], lineSums = new float[0], phasePartials = new float[0];
    private float[] lineTerms = new float[0], edgeTerms = new float[0], folded = new float[0];
    private final int[] fourTaps = new int[4];
    /** The odd edges' weights (edgeWeights), made with the packed weights: [forward ? 0 : 1][row ? 0 : 1]. */
    private final float[][][] edges = new float[2][2][0];

    /** GEMMs with tiles for this CPU's vector registers; backward-filter by {@code full}. */
    UpsampledConvKernels(ConvKernels full) { this(full, Conv3x3Kernels.defaultTileOutputs()); }

    /** GEMMs with register tiles of 8 or 6 outputs (the tests run both on any CPU). */
    UpsampledConvKernels(ConvKernels full, int tileOutputs) {
        for (int p = 0; p < 4; p++) phaseGemms[p] = new Conv3x3Kernels(tileOutputs);
        this.dataGemm = new Conv3x3Kernels(tileOutputs);
        this.phaseFilter = new Conv3x3Kernels(tileOutputs);
        this.full = full;
    }

    /**
     * y (cout planes of h x w) = bias + the convolution of x (cin planes of ceil(h / 2) x ceil(w / 2))
     * resized to h x w; ReLU after when {@code relu}. y is overwritten.
     */
    void forward(float[] x, int xo, int cin, int h, int w, float[] wt, int wo, float[] bias, int bo, int cout,
                 float[] y, int yo, boolean relu) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2, plane = sh * sw;
        source.fill(x, xo, cin, sh, sw);
        boolean repack = !forwardFrom.same(wt, wo, cin, cout, false);
        if (repack) {
            combine(wt, wo, cin, cout);
            makeEdges(true, wt, wo, cin, cout);
        }
        if (phaseOutputs.length < 4 * cout * plane) phaseOutputs = new float[4 * cout * plane];
        if (taps.length < 4 * cin) taps = new int[4 * cin];
        for (int p = 0; p < 4; p++) {
            int py = p >> 1, px = p & 1;
            for (int c = 0; c < cin; c++)
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) taps[c * 4 + a * 2 + b] = source.tap(c, tapIndex(py, a, false), tapIndex(px, b, false));
            phaseGemms[p].gemm(source.data, taps, cin, 4, combined, p * cout * cin * 4, cout, bias, bo, repack, relu,
                    phaseOutputs, p * cout * plane, plane);
        }
        for (int o = 0; o < cout; o++)
            for (int r = 0; r < h; r++) {
                int py = r & 1, row = yo + (o * h + r) * w, half = w / 2;
                int even = ((2 * py) * cout + o) * plane + (r >> 1) * sw, odd = even + cout * plane;
                if (half >= L) Simd.interleave(phaseOutputs, even, phaseOutputs, odd, half, y, row);
                else
                    for (int c = 0; c < half; c++) {
                        y[row + 2 * c] = phaseOutputs[even + c];
                        y[row + 2 * c + 1] = phaseOutputs[odd + c];
                    }
                if (w % 2 != 0) y[row + w - 1] = phaseOutputs[even + half];
            }
        if (h % 2 != 0) edgeForward(true, x, xo, cin, h, w, bias, bo, cout, y, yo, relu);
        if (w % 2 != 0) edgeForward(false, x, xo, cin, h, w, bias, bo, cout, y, yo, relu);
    }

    /**
     * From dy (cout planes of h x w, already masked by the ReLU): dx, the small input's gradient
     * (overwritten; may be null), and dw, db accumulated as Conv3x3Kernels' backward-filter does.
     * Where backward-filter keeps output channels in the lanes and the small input has at least
     * PHASE_FILTER_CELLS cells, each phase's weight gradient over its four taps; elsewhere
     * {@code full}'s backward-filter on the resized input, which this sample's resize writes into scratch.
     */
    void backward(float[] x, int xo, int cin, int h, int w, float[] wt, int wo, float[] dy, int dyo, int cout,
                  float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2;
        boolean phases = sh * sw >= PHASE_FILTER_CELLS && Conv3x3Kernels.filtersByLanes(cin, cout, sh * sw);
        if (dx != null || phases) splitGradient(h, w, dy, dyo, cout);
        if (dx != null) backwardData(cin, h, w, wt, wo, dy, dyo, cout, dx, dxo);
        if (phases) {
            phaseFilter(x, xo, cin, h, w, dy, dyo, cout, dw, dwo, db, dbo);
            return;
        }
        if (resizedInput.length < cin * h * w) resizedInput = new float[cin * h * w];
        resize(x, xo, cin, h, w, resizedInput);
        full.backwardFilter(resizedInput, 0, cin, h, w, dy, dyo, cout, dw, dwo, db, dbo);
    }

    /** to[0, cin h w) = x's cin planes of ceil(h / 2) x ceil(w / 2) resized to h x w (source floor(Y / 2)). */
    static void resize(float[] x, int xo, int cin, int h, int w, float[] to) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2;
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < h; r++) {
                int row = (c * h + r) * w, from = xo + (c * sh + r / 2) * sw;
                for (int col = 0; col < w; col++) to[row + col] = x[from + col / 2];
            }
    }

    /**
     * Each phase's gradient as a plane of the small size, phaseGradients[((p cout + o) sh + i) sw + j]:
     * a row of dy splits into its even and odd columns; cells past an odd side, or on its last row or
     * column, stay zero (the edges are summed on their own).
     */
    private void splitGradient(int h, int w, float[] dy, int dyo, int cout) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2, plane = sh * sw, outputs = 4 * cout;
        if (phaseGradients.length < outputs * plane) phaseGradients = new float[outputs * plane];
        int evenRows = h / 2, evenCols = w / 2;
        // with both sides even every cell is written below
        if (h % 2 != 0 || w % 2 != 0) Arrays.fill(phaseGradients, 0, outputs * plane, 0f);
        for (int o = 0; o < cout; o++)
            for (int r = 0; r < 2 * evenRows; r++) {
                int py = r & 1, from = dyo + (o * h + r) * w;
                int even = ((2 * py * cout + o) * sh + (r >> 1)) * sw, odd = even + cout * plane;
                if (evenCols >= L) Simd.split(dy, from, evenCols, phaseGradients, even, phaseGradients, odd);
                else
                    for (int j = 0; j < evenCols; j++) {
                        phaseGradients[even + j] = dy[from + 2 * j];
                        phaseGradients[odd + j] = dy[from + 2 * j + 1];
                    }
            }
    }

    /** dx = the four phases' transposed convolutions of their gradients, then the odd edges' share. */
    private void backwardData(int cin, int h, int w, float[] wt, int wo, float[] dy, int dyo, int cout, float[] dx, int dxo) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2, plane = sh * sw, outputs = 4 * cout;
        gradient.fill(phaseGradients, 0, outputs, sh, sw);
        boolean repack = !backwardFrom.same(wt, wo, cin, cout, true);
        if (repack) {
            combine(wt, wo, cin, cout);
            makeEdges(false, wt, wo, cin, cout);
            if (transposedRows.length < cin * outputs * 4) transposedRows = new float[cin * outputs * 4];
            for (int p = 0; p < 4; p++)
                for (int o = 0; o < cout; o++)
                    for (int c = 0; c < cin; c++)
                        for (int k = 0; k < 4; k++)
                            transposedRows[(c * outputs + p * cout + o) * 4 + k] = combined[((p * cout + o) * cin + c) * 4 + k];
        }
        if (taps.length < outputs * 4) taps = new int[outputs * 4];
        for (int p = 0; p < 4; p++) {
            int py = p >> 1, px = p & 1;
            for (int o = 0; o < cout; o++)
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++)
                        taps[(p * cout + o) * 4 + a * 2 + b] = gradient.tap(p * cout + o, tapIndex(py, a, true), tapIndex(px, b, true));
        }
        dataGemm.gemm(gradient.data, taps, outputs, 4, transposedRows, 0, cin, null, 0, repack, false, dx, dxo, plane);
        if (h % 2 != 0) edgeData(true, cin, h, w, dy, dyo, cout, dx, dxo);
        if (w % 2 != 0) edgeData(false, cin, h, w, dy, dyo, cout, dx, dxo);
    }

    /**
     * dw and db from each phase's gradient against the small input over the phase's four taps, each
     * kernel tap taking the sum of the phases' taps it was folded into; then the odd edges' share.
     */
    private void phaseFilter(float[] x, int xo, int cin, int h, int w, float[] dy, int dyo, int cout,
                             float[] dw, int dwo, float[] db, int dbo) {
        int sh = (h + 1) / 2, sw = (w + 1) / 2, plane = sh * sw, cp = Conv3x3Kernels.lanes(cout), size = cin * 4 * cp;
        if (phasePartials.length < 4 * size) phasePartials = new float[4 * size];
        for (int p = 0; p < 4; p++) {
            int py = p >> 1, px = p & 1;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) fourTaps[a * 2 + b] = tapIndex(py, a, false) * 3 + tapIndex(px, b, false);
            phaseFilter.backwardFilterFourTaps(x, xo, cin, sh, sw, fourTaps, p == 0, phaseGradients, p * cout * plane, cout,
                    phasePartials, p * size, db, dbo);
        }
        // kernel tap k of input channel c takes tap FOLD[p][k] of each phase p: vectors of output channels
        if (folded.length < cin * 9 * cp) folded = new float[cin * 9 * cp];
        for (int c = 0; c < cin; c++)
            for (int k = 0; k < 9; k++) {
                int to = (c * 9 + k) * cp, from = c * 4 * cp;
                int f0 = from + FOLD[0][k] * cp, f1 = size + from + FOLD[1][k] * cp;
                int f2 = 2 * size + from + FOLD[2][k] * cp, f3 = 3 * size + from + FOLD[3][k] * cp;
                for (int o = 0; o < cp; o += L)
                    FloatVector.fromArray(F, phasePartials, f0 + o).add(FloatVector.fromArray(F, phasePartials, f1 + o))
                            .add(FloatVector.fromArray(F, phasePartials, f2 + o)).add(FloatVector.fromArray(F, phasePartials, f3 + o))
                            .intoArray(folded, to + o);
            }
        for (int o = 0; o < cout; o++)
            for (int k = 0; k < cin * 9; k++) dw[dwo + o * cin * 9 + k] += folded[k * cp + o];
        if (h % 2 != 0) edgeFilter(true, x, xo, cin, h, w, dy, dyo, cout, dw, dwo, db, dbo);
        if (w % 2 != 0) edgeFilter(false, x, xo, cin, h, w, dy, dyo, cout, dw, dwo, db, dbo);
    }

    /** The phases' 2 x 2 kernels from the 3 x 3 ones, each weight the sum of the taps FOLD puts in it, in row-major order. */
    private void combine(float[] wt, int wo, int cin, int cout) {
        if (combined.length < 16 * cout * cin) combined = new float[16 * cout * cin];
        for (int p = 0; p < 4; p++)
            for (int o = 0; o < cout; o++)
                for (int c = 0; c < cin; c++) {
                    int to = ((p * cout + o) * cin + c) * 4, from = wo + (o * cin + c) * 9;
                    Arrays.fill(combined, to, to + 4, 0f);
                    for (int k = 0; k < 9; k++) combined[to + FOLD[p][k]] += wt[from + k];
                }
    }

    /*
     * The odd edges from the resize's rule. The last row of an odd h reads resized rows h - 2 and
     * h - 1 with kernel rows 0 and 1 (its row 2 meets the zero padding); the last column of an odd w,
     * columns w - 2 and w - 1 with kernel columns 0 and 1. Each edge is a line: the two resized lines
     * it reads (`lines`, per input channel, with a zero cell at each end) and the 3 taps along it.
     * The last row takes the corner; the column stops above it.
     */

    /** The length of an edge's line and how many of its cells are the edge's: a row is w long, a column h long but stops above an odd last row. */
    private static int lineLength(boolean row, int h, int w) { return row ? w : h; }

    private static int edgeCells(boolean row, int h, int w) { return row ? w : h - h % 2; }

    /** Kernel weight for (output o, input c) at line l (0 or 1) and tap t along the line. */
    private static float lineWeight(boolean row, float[] wt, int wo, int cin, int o, int c, int l, int t) {
        return row ? wt[wo + (o * cin + c) * 9 + l * 3 + t] : wt[wo + (o * cin + c) * 9 + t * 3 + l];
    }

    /** lines[(c 2 + l) (len + 2) + 1 + i] = resized input of channel c on line l at i along it, zero at both ends. */
    private void readLines(boolean row, float[] x, int xo, int cin, int h, int w) {
        int len = lineLength(row, h, w), stride = len + 2, sh = (h + 1) / 2, sw = (w + 1) / 2;
        if (lines.length < 2 * cin * stride) lines = new float[2 * cin * stride];
        for (int c = 0; c < cin; c++)
            for (int l = 0; l < 2; l++) {
                int at = (c * 2 + l) * stride, across = (row ? h : w) - 2 + l;
                lines[at] = 0f;
                lines[at + stride - 1] = 0f;
                for (int i = 0; i < len; i++) {
                    int r = row ? across : i, col = row ? i : across;
                    lines[at + 1 + i] = across < 0 ? 0f : x[xo + (c * sh + r / 2) * sw + col / 2];
                }
            }
    }

    /**
     * An edge's weights, lineWeight's values laid out for the loops below: for forward
     * [((c 2 + l) 3 + t) cout + o], for backward-data [((o 2 + l) 3 + t) cin + c], so that the inner
     * loop runs over contiguous outputs (or inputs) whatever the line's length.
     */
    private static void edgeWeights(boolean row, boolean forward, float[] wt, int wo, int cin, int cout, float[] to) {
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
                for (int l = 0; l < 2; l++)
                    for (int t = 0; t < 3; t++)
                        to[forward ? ((c * 2 + l) * 3 + t) * cout + o : ((o * 2 + l) * 3 + t) * cin + c] = lineWeight(row, wt, wo, cin, o, c, l, t);
    }

    /** Both edges' weights for forward or for backward-data, into {@code edges}. */
    private void makeEdges(boolean forward, float[] wt, int wo, int cin, int cout) {
        float[][] pass = edges[forward ? 0 : 1];
        for (int side = 0; side < 2; side++) {
            if (pass[side].length < 6 * cin * cout) pass[side] = new float[6 * cin * cout];
            edgeWeights(side == 0, forward, wt, wo, cin, cout, pass[side]);
        }
    }

    /** Overwrites an odd edge of y (the phases wrote something else there). */
    private void edgeForward(boolean row, float[] x, int xo, int cin, int h, int w, float[] bias, int bo, int cout,
                             float[] y, int yo, boolean relu) {
        readLines(row, x, xo, cin, h, w);
        int stride = lineLength(row, h, w) + 2, cells = edgeCells(row, h, w), terms = 6 * cin;
        if (lineSums.length < cout) lineSums = new float[cout];
        if (lineTerms.length < terms) lineTerms = new float[terms];
        float[] s = lineSums, e = edges[0][row ? 0 : 1];
        for (int i = 0; i < cells; i++) {
            // what output cell i reads, in the edge weights' (c, l, t) order: the resized line's cell i + t - 1
            for (int c = 0; c < cin; c++)
                for (int l = 0; l < 2; l++)
                    for (int t = 0; t < 3; t++) lineTerms[(c * 2 + l) * 3 + t] = lines[(c * 2 + l) * stride + i + t];
            dotColumns(e, lineTerms, terms, cout, bias, bo, s);
            for (int o = 0; o < cout; o++) {
                int at = row ? yo + (o * h + h - 1) * w + i : yo + (o * h + i) * w + w - 1;
                y[at] = relu ? Math.max(s[o], 0f) : s[o];
            }
        }
    }

    /** Adds an odd edge's gradient cells, left out of the phases, to dx through the resize's rule. */
    private void edgeData(boolean row, int cin, int h, int w, float[] dy, int dyo, int cout, float[] dx, int dxo) {
        int len = lineLength(row, h, w), stride = len + 2, sh = (h + 1) / 2, sw = (w + 1) / 2, terms = 6 * cout;
        readGradientLine(row, h, w, dy, dyo, cout);
        if (lineSums.length < cin) lineSums = new float[cin];
        if (lineTerms.length < terms) lineTerms = new float[terms];
        float[] s = lineSums, g = gradientLines, e = edges[1][row ? 0 : 1];
        for (int l = 0; l < 2; l++) {
            int across = (row ? h : w) - 2 + l;
            if (across < 0) continue;
            for (int i = 0; i < len; i++) {
                // resized cell i of line l takes the edge's cell i - t + 1 through tap t; only line l's terms count
                Arrays.fill(lineTerms, 0, terms, 0f);
                for (int o = 0; o < cout; o++)
                    for (int t = 0; t < 3; t++) lineTerms[(o * 2 + l) * 3 + t] = g[o * stride + i - t + 2];
                dotColumns(e, lineTerms, terms, cin, null, 0, s);
                int r = row ? across : i, col = row ? i : across;
                for (int c = 0; c < cin; c++) dx[dxo + (c * sh + r / 2) * sw + col / 2] += s[c];
            }
        }
    }

    /**
     * s[j] = the sum over k < terms, in order, of e[k n + j] v[k], plus b[bo + j] after it (when b is
     * not null), for j < n: two vectors of j at a time with their sums in registers, then the rest.
     */
    private static void dotColumns(float[] e, float[] v, int terms, int n, float[] b, int bo, float[] s) {
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int k = 0; k < terms; k++) {
                FloatVector vk = FloatVector.broadcast(F, v[k]);
                a0 = FloatVector.fromArray(F, e, k * n + j).fma(vk, a0);
                a1 = FloatVector.fromArray(F, e, k * n + j + L).fma(vk, a1);
            }
            a0.intoArray(s, j);
            a1.intoArray(s, j + L);
        }
        for (; j < n; j++) {
            float acc = 0f;
            for (int k = 0; k < terms; k++) acc = Math.fma(e[k * n + j], v[k], acc);
            s[j] = acc;
        }
        if (b != null) for (int i = 0; i < n; i++) s[i] += b[bo + i];
    }

    /** gradientLines[o (len + 2) + 1 + i] = dy on the edge's cell i, zero past its cells and at both ends. */
    private void readGradientLine(boolean row, int h, int w, float[] dy, int dyo, int cout) {
        int stride = lineLength(row, h, w) + 2, cells = edgeCells(row, h, w);
        if (gradientLines.length < cout * stride) gradientLines = new float[cout * stride];
        for (int o = 0; o < cout; o++) {
            int at = o * stride;
            Arrays.fill(gradientLines, at, at + stride, 0f);
            for (int i = 0; i < cells; i++)
                gradientLines[at + 1 + i] = row ? dy[dyo + (o * h + h - 1) * w + i] : dy[dyo + (o * h + i) * w + w - 1];
        }
    }

    /** Adds an odd edge's gradient cells, left out of the phases, to dw and db. */
    private void edgeFilter(boolean row, float[] x, int xo, int cin, int h, int w, float[] dy, int dyo, int cout,
                            float[] dw, int dwo, float[] db, int dbo) {
        readLines(row, x, xo, cin, h, w);
        readGradientLine(row, h, w, dy, dyo, cout);
        int stride = lineLength(row, h, w) + 2, cells = edgeCells(row, h, w), terms = 6 * cin;
        // edge cell i's terms, (c, l, t) as the edge weights: the resized line's cell i + t - 1
        if (edgeTerms.length < cells * terms) edgeTerms = new float[cells * terms];
        for (int i = 0; i < cells; i++)
            for (int c = 0; c < cin; c++)
                for (int l = 0; l < 2; l++)
                    for (int t = 0; t < 3; t++) edgeTerms[i * terms + (c * 2 + l) * 3 + t] = lines[(c * 2 + l) * stride + i + t];
        if (lineSums.length < terms) lineSums = new float[terms];
        if (lineTerms.length < cells) lineTerms = new float[cells];
        for (int o = 0; o < cout; o++) {
            float bias = 0f;
            for (int i = 0; i < cells; i++) {
                lineTerms[i] = gradientLines[o * stride + 1 + i];
                bias += lineTerms[i];
            }
            db[dbo + o] += bias;
            dotColumns(edgeTerms, lineTerms, cells, terms, null, 0, lineSums);
            for (int c = 0; c < cin; c++)
                for (int l = 0; l < 2; l++)
                    for (int t = 0; t < 3; t++)
                        dw[dwo + (o * cin + c) * 9 + (row ? l * 3 + t : t * 3 + l)] += lineSums[(c * 2 + l) * 3 + t];
        }
    }
}
