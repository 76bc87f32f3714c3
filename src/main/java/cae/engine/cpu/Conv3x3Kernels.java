package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * 3x3 stride-1 SAME convolution of one sample (CHW planes in float arrays at offsets), forward,
 * backward-data and backward-filter. One instance per worker thread: it owns its scratch buffers,
 * grown on first use of a shape and reused after, so steady-state calls allocate nothing.
 * Weights are OIHW: weight[((co * cin + ci) * 3 + ky) * 3 + kx].
 *
 * <p>How it is fast: each input plane is copied three times into scratch, each copy with a zero row
 * above and below, and one copy per horizontal tap: for kx = 0 with its last column zeroed, for
 * kx = 2 with its first column zeroed. Read row-major, the input that tap (ky, kx) multiplies at
 * output position p = r * w + c is then at p + ky * w + kx of copy kx (a step off the row's end lands
 * on a zeroed column of the neighbouring row), a constant offset per (input channel, tap). So the
 * convolution is an implicit GEMM whose inner loop loads a few input vectors and does a block of
 * vector FMAs against broadcast weights, storing straight into the output planes. Backward-data is
 * the same computation with the kernel transposed and flipped. Backward-filter keeps output channels
 * in the vector lanes (the gradient is transposed to position-major first) so no horizontal sums
 * are needed; with few output or input channels it sums over positions in the lanes instead.
 * With one to three outputs (the logits layer), forward and backward-data take one input channel
 * at a time over stretches of positions rather than a register tile that would be mostly padding.
 * Register tiles are sized for the vector register file (32 registers with AVX-512, 16 with AVX2):
 * a tile whose accumulators do not all fit is spilled to the stack on every step. Every output's
 * sum runs over (input channel, tap) in the same order whatever the tile, so the tile shape does
 * not change a single bit of the results.
 */
final class Conv3x3Kernels implements ConvKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /**
     * Output channels per register tile of the implicit GEMM: 8 x 2 vectors of accumulators where
     * there are 32 vector registers, 6 x 2 where there are 16 (AVX2), so that the accumulators, two
     * input vectors and the broadcast weight all stay in registers. The wide tile also selects
     * backward-filter's 9-tap passes, the narrow one its 6 + 3.
     */
    private final int tileOutputs;
    /**
     * Below this many output channels backward-filter sums over positions in the lanes
     * ({@link #filterBySums}); it is not the tile size, so both tiles take the same path.
     */
    private static final int FEW_OUTPUTS = 8;
    /**
     * Forward and backward-data with at most this many outputs (the logits layer has one or three)
     * sum one input channel at a time into the output rows ({@link #fewOutputs}): a register tile
     * across outputs would be mostly padding.
     */
    private static final int FEW_GEMM_OUTPUTS = 3;
    /**
     * Sums of at least this many terms (input channels x taps) fill a remainder with 4 x 2 tiles
     * ({@link #planTiles}); the first layer's 9 (or 27), whose time goes to storing its outputs, keep
     * the plan of whole and padded 6 x 2 tiles.
     */
    private static final int FOUR_TILE_TERMS = 64;
    /**
     * Positions per stretch of {@link #fewOutputs} and {@link #filterBySums}: one input channel's
     * three copies and the running sums of a stretch stay in the L1 cache while its taps are summed.
     * A multiple of 3 and 8 vectors, the steps of their kernels.
     */
    private static final int STRETCH = 96 * L;

    /** Tiles for this CPU's vector registers. */
    Conv3x3Kernels() { this(defaultTileOutputs()); }

    /** The register tile's outputs for this CPU's vector registers: 8 with 32 of them, 6 with 16. */
    static int defaultTileOutputs() { return L >= 16 ? 8 : 6; }

    /** Tiles of 8 or 6 output channels (tests run both on any CPU; the results are the same bits). */
    Conv3x3Kernels(int tileOutputs) {
        if (tileOutputs != 8 && tileOutputs != 6) throw new IllegalArgumentException("tileOutputs must be 8 or 6, got " + tileOutputs);
        this.tileOutputs = tileOutputs;
    }

    private final TapPlanes input = new TapPlanes();
    private final TapPlanes gradient = new TapPlanes();
    private float[] tail = new float[0];
    private float[] packed = new float[0];
    private float[] packedBias = new float[0];
    /** The register tiles of the last {@link #planTiles}: first output and width of each. */
    private int[] tileStart = new int[0], tileWidth = new int[0];
    private int tileCount, tiled, firstSingle;
    private int[] taps = new int[0];
    private float[] rows = new float[0];
    /** What `packed` was made from, to skip repacking the same weights. */
    private final PackedWeights packedFrom = new PackedWeights();
    private float[] gradT = new float[0];
    /** One 6 x 2 register tile's sums on their way to the output planes (see {@link #block6}). */
    private final float[] sums = new float[12 * L];
    private float[] gradFlat = new float[0];
    private float[] dwT = new float[0];
    /** {@link #fewOutputs}' running sums, one row of positions per output. */
    private float[] outputSums = new float[0];
    /** {@link #filterBySums}' lane sums, one vector per (output, input channel, tap), kept across stretches. */
    private float[] laneSums = new float[0];

    /** y[co] = bias[co] + sum_ci conv(x[ci], w[co][ci]); ReLU after when {@code relu}. y is overwritten. */
    @Override public void forward(float[] x, int xo, int cin, int h, int w,
                 float[] wt, int wo, float[] bias, int bo, int cout,
                 float[] y, int yo, boolean relu) {
        input.fill(x, xo, cin, h, w);
        pack(input, wt, wo, cin, cout, false, bias, bo);
        implicitGemm(input.data, cin, 9, cout, h * w, relu, y, yo);
    }

    /** dx[ci] = sum_co full-correlation of dy[co] with the flipped kernel w[co][ci]; dx is overwritten. */
    @Override public void backwardData(float[] dy, int dyo, int cout, int h, int w,
                      float[] wt, int wo, int cin, float[] dx, int dxo) {
        gradient.fill(dy, dyo, cout, h, w);
        pack(gradient, wt, wo, cout, cin, true, null, 0);
        implicitGemm(gradient.data, cout, 9, cin, h * w, false, dx, dxo);
    }

    /** dw[co][ci] += correlation of x[ci] with dy[co]; db[co] += sum dy[co]. Both accumulate. */
    @Override public void backwardFilter(float[] x, int xo, int cin, int h, int w,
                        float[] dy, int dyo, int cout, float[] dw, int dwo, float[] db, int dbo) {
        input.fill(x, xo, cin, h, w);
        if (taps.length < 9) taps = new int[9];
        for (int t = 0; t < 9; t++) taps[t] = input.tap(0, t / 3, t % 3);
        if (!filtersByLanes(cin, cout, h * w)) {
            filterBySums(cin, h * w, dy, dyo, cout, dw, dwo, db, dbo);
            return;
        }
        int cp = lanes(cout);
        if (dwT.length < cin * 9 * cp) dwT = new float[cin * 9 * cp];
        filterByLanes(cin, h * w, dy, dyo, cout, db, dbo, 9, dwT, 0);
        for (int co = 0; co < cout; co++)
            for (int k = 0; k < cin * 9; k++) dw[dwo + co * cin * 9 + k] += dwT[k * cp + co];
    }

    /** Output channels rounded up to whole vectors: the stride of {@link #filterByLanes}' sums. */
    static int lanes(int cout) { return roundUp(cout, L); }

    /**
     * Whether backward-filter keeps output channels in the lanes ({@link #filterByLanes}) for this
     * shape; else it sums over positions in the lanes ({@link #filterBySums}).
     */
    static boolean filtersByLanes(int cin, int cout, int plane) { return cout >= FEW_OUTPUTS && cin * 64 >= plane; }

    /**
     * Backward-filter over four of the nine taps, for {@link UpsampledConvKernels}' phases, where
     * {@link #filtersByLanes}: out[oo + (ci 4 + t) lanes(cout) + co] = the sum over positions p of
     * dy[co][p] x[ci][p + tap t], tap t being (ky, kx) = (fourTaps[t] / 3, fourTaps[t] % 3) as in
     * forward (output channels in the lanes, the padding lanes zero); db[co] += the sum of dy[co].
     * Without {@code fill} the input planes of the last call are read again (the phases share one input).
     */
    void backwardFilterFourTaps(float[] x, int xo, int cin, int h, int w, int[] fourTaps, boolean fill,
                                float[] dy, int dyo, int cout, float[] out, int oo, float[] db, int dbo) {
        if (fill) input.fill(x, xo, cin, h, w);
        if (taps.length < 9) taps = new int[9];
        for (int t = 0; t < 4; t++) taps[t] = input.tap(0, fourTaps[t] / 3, fourTaps[t] % 3);
        filterByLanes(cin, h * w, dy, dyo, cout, db, dbo, 4, out, oo);
    }

    // ---- forward and backward-data: implicit GEMM ----

    /**
     * Packs the kernel as outputs x (input channel, tap): `rows` in the [output][input channel][tap]
     * layout, and in `packed` each register tile of {@link #planTiles} interleaved (a tile of width W
     * starting at output o0: packed[o0 nk + k W + j]). With {@code transposed} the outputs are the
     * kernel's input channels and the taps are flipped, for backward-data.
     */
    private void pack(TapPlanes planes, float[] wt, int wo, int nIn, int nOut, boolean transposed, float[] bias, int bo) {
        int nk = nIn * 9, n = nOut * nk;
        planTilesAndBias(nOut, nk, bias, bo);
        if (taps.length < nk) taps = new int[nk];
        for (int i = 0; i < nIn; i++)
            for (int t = 0; t < 9; t++) taps[i * 9 + t] = planes.tap(i, t / 3, t % 3);
        // every sample of a batch brings the same weights: repack only when they differ from the last
        if (packedFrom.same(wt, wo, nIn, nOut, transposed)) return;

        // the GEMM's [output][input channel][tap] layout first (what fewOutputs reads), then interleaved by tiles
        if (rows.length < n) rows = new float[n];
        if (transposed) {
            for (int co = 0; co < nIn; co++)
                for (int ci = 0; ci < nOut; ci++)
                    for (int t = 0; t < 9; t++) rows[(ci * nIn + co) * 9 + t] = wt[wo + (co * nOut + ci) * 9 + 8 - t];
        } else {
            System.arraycopy(wt, wo, rows, 0, n);
        }
        packTiles(nk, nOut);
    }

    /**
     * `packed` from `rows` (nOut rows of nk weights), tile by tile as the last {@link #planTiles}
     * laid them out, the padding rows of a padded tile zero.
     */
    private void packTiles(int nk, int nOut) {
        if (packed.length < tiled * nk) packed = new float[tiled * nk];
        for (int t = 0; t < tileCount; t++) {
            int o0 = tileStart[t], width = tileWidth[t];
            for (int j = 0; j < width; j++) {
                int o = o0 + j, base = o0 * nk + j;
                if (o < nOut) for (int k = 0; k < nk; k++) packed[base + k * width] = rows[o * nk + k];
                else for (int k = 0; k < nk; k++) packed[base + k * width] = 0f;
            }
        }
    }

    /**
     * {@link #planTiles} for nOut outputs of nk terms, then packedBias: the bias (zeros without one) in
     * the tiles' slots, zero in the padding ones and after them.
     */
    private void planTilesAndBias(int nOut, int nk, float[] bias, int bo) {
        planTiles(nOut, nk);
        int slots = tiled + nOut - firstSingle;
        if (packedBias.length < slots) packedBias = new float[slots];
        Arrays.fill(packedBias, 0, slots, 0f);
        if (bias != null) System.arraycopy(bias, bo, packedBias, 0, nOut);
    }

    /**
     * The register tiles for nOut outputs, into tileStart, tileWidth and tileCount; `tiled` is where the
     * last tile ends (past nOut for a zero-padded tile) and firstSingle the first output left to
     * fewOutputs. Whole tiles of tileOutputs; with 6 x 2 tiles and long sums (nk of at least
     * FOUR_TILE_TERMS) a remainder of 4 gets a 4 x 2 tile and one of 2 turns the last 6 x 2 tile into
     * two 4 x 2 (32 outputs: four of 6 and two of 4, where a remainder of 2 would go through
     * fewOutputs' slower sums); otherwise a remainder of at least half a tile gets a zero-padded tile,
     * and a smaller one goes to fewOutputs. Layers of at most FEW_GEMM_OUTPUTS outputs have no tiles.
     * The plan changes no bits: every output sums its terms in one order in any tile.
     */
    private void planTiles(int nOut, int nk) {
        if (tileStart.length < nOut / 4 + 2) {
            tileStart = new int[nOut / 4 + 2];
            tileWidth = new int[nOut / 4 + 2];
        }
        int full = nOut / tileOutputs, rest = nOut % tileOutputs, count = 0, o = 0;
        if (nOut <= FEW_GEMM_OUTPUTS) full = rest = 0;
        boolean four = tileOutputs == 6 && nk >= FOUR_TILE_TERMS, split = four && rest == 2 && full > 0;
        if (split) full--;
        for (int t = 0; t < full; t++, o += tileOutputs) { tileStart[count] = o; tileWidth[count++] = tileOutputs; }
        firstSingle = nOut <= FEW_GEMM_OUTPUTS ? 0 : nOut;
        if (split) {
            for (int t = 0; t < 2; t++, o += 4) { tileStart[count] = o; tileWidth[count++] = 4; }
        } else if (four && rest == 4) {
            tileStart[count] = o; tileWidth[count++] = 4; o += 4;
        } else if (rest >= tileOutputs / 2) {
            tileStart[count] = o; tileWidth[count++] = tileOutputs; o += tileOutputs;
        } else if (rest > 0) {
            firstSingle = o;
        }
        tileCount = count;
        tiled = o;
    }

    /**
     * The implicit GEMM for a caller that brings its own taps and weights ({@link UpsampledConvKernels}):
     * y[yo + o plane + p] = bias[bo + o] (0 without a bias) + the sum over k < nIn x perChannel, in
     * k's order, of weights[wo + o nk + k] x[taps[k] + p], for the plane's positions p; ReLU after when
     * {@code relu}. x holds {@link TapPlanes}' copies, taps are offsets into them, perChannel of them
     * per input channel. With {@code repack} the weights are packed anew, else the last call's are used.
     */
    void gemm(float[] x, int[] taps, int nIn, int perChannel, float[] weights, int wo, int nOut, float[] bias, int bo,
              boolean repack, boolean relu, float[] y, int yo, int plane) {
        int nk = nIn * perChannel;
        planTilesAndBias(nOut, nk, bias, bo);
        if (this.taps.length < nk) this.taps = new int[nk];
        System.arraycopy(taps, 0, this.taps, 0, nk);
        if (repack) {
            packedFrom.forget();
            if (rows.length < nOut * nk) rows = new float[nOut * nk];
            System.arraycopy(weights, wo, rows, 0, nOut * nk);
            packTiles(nk, nOut);
        }
        implicitGemm(x, nIn, perChannel, nOut, plane, relu, y, yo);
    }


    /**
     * The GEMM over the tiles of the last {@link #planTilesAndBias} and the weights packed for them.
     * Whole register tiles store straight into y; the positions past the last whole tile, and a
     * zero-padded tile's outputs, go through `tail` so that nothing is written outside y's planes.
     */
    private void implicitGemm(float[] x, int nIn, int perChannel, int nOut, int plane, boolean relu, float[] y, int yo) {
        if (nOut <= FEW_GEMM_OUTPUTS) {
            fewOutputs(x, nIn, perChannel, 0, nOut, plane, relu, y, yo);
            return;
        }
        int nk = nIn * perChannel;
        int span = roundUp(plane, 4 * L);
        if (tail.length < tileOutputs * span) tail = new float[tileOutputs * span];
        int whole = plane / (2 * L) * (2 * L);
        // the tiles with no padding rows, which store straight into y
        int unpadded = tileCount > 0 && tileStart[tileCount - 1] + tileWidth[tileCount - 1] > nOut ? tileCount - 1 : tileCount;
        // positions outer, tiles inner: one stretch of the input planes serves all tiles from cache
        for (int q = 0; q < whole; q += 2 * L)
            for (int t = 0; t < unpadded; t++)
                registerTile(tileWidth[t], x, q, taps, nk, packed, tileStart[t] * nk, packedBias, tileStart[t], relu,
                        y, yo + tileStart[t] * plane + q, plane, 2 * L);
        for (int t = 0; t < tileCount; t++) {
            int o0 = tileStart[t], width = tileWidth[t], wo = o0 * nk, outputs = Math.min(width, nOut - o0);
            if (t < unpadded) {
                if (whole < plane) {
                    registerTile(width, x, whole, taps, nk, packed, wo, packedBias, o0, relu, tail, 0, 2 * L, 2 * L);
                    for (int j = 0; j < width; j++)
                        System.arraycopy(tail, j * 2 * L, y, yo + (o0 + j) * plane + whole, plane - whole);
                }
            } else {
                int count = roundUp(plane, 2 * L);
                registerTile(width, x, 0, taps, nk, packed, wo, packedBias, o0, relu, tail, 0, span, count);
                for (int j = 0; j < outputs; j++) System.arraycopy(tail, j * span, y, yo + (o0 + j) * plane, plane);
            }
        }
        // the few outputs past the last tile, summed as a logits layer's are
        if (firstSingle < nOut) fewOutputs(x, nIn, perChannel, firstSingle, nOut, plane, relu, y, yo);
    }

    private void registerTile(int width, float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, boolean relu,
                              float[] y, int yo, int ys, int count) {
        if (width == 8) tile8(x, xq, taps, nk, w, wo, b, bo, relu, y, yo, ys, count);
        else if (width == 6) tile6(x, xq, taps, nk, w, wo, b, bo, relu, y, yo, ys, count, sums);
        else tile4(x, xq, taps, nk, w, wo, b, bo, relu, y, yo, ys, count, sums);
    }

    /** {@link #tile6}'s computation for 4 outputs x 2 vectors ({@link #block4}). */
    private static void tile4(float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, boolean relu,
                              float[] y, int yo, int ys, int count, float[] sums) {
        for (int q = 0; q < count; q += 2 * L) {
            block4(x, xq + q, taps, nk, w, wo, b, bo, sums, 0);
            for (int j = 0, yi = yo + q; j < 4; j++, yi += ys) {
                FloatVector s0 = FloatVector.fromArray(F, sums, 2 * j * L), s1 = FloatVector.fromArray(F, sums, (2 * j + 1) * L);
                if (relu) { s0 = s0.max(0f); s1 = s1.max(0f); }
                s0.intoArray(y, yi);
                s1.intoArray(y, yi + L);
            }
        }
    }

    /** {@link #block6} for 4 outputs x 2 vectors: weights w[wo + 4 k + j]. */
    private static void block4(float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, float[] sums, int so) {
        FloatVector a00 = FloatVector.broadcast(F, b[bo]), a01 = a00;
        FloatVector a10 = FloatVector.broadcast(F, b[bo + 1]), a11 = a10;
        FloatVector a20 = FloatVector.broadcast(F, b[bo + 2]), a21 = a20;
        FloatVector a30 = FloatVector.broadcast(F, b[bo + 3]), a31 = a30;
        for (int k = 0; k < nk; k++) {
            int xi = xq + taps[k], wi = wo + 4 * k;
            FloatVector x0 = FloatVector.fromArray(F, x, xi);
            FloatVector x1 = FloatVector.fromArray(F, x, xi + L);
            FloatVector v = FloatVector.broadcast(F, w[wi]);
            a00 = x0.fma(v, a00); a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w[wi + 1]);
            a10 = x0.fma(v, a10); a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w[wi + 2]);
            a20 = x0.fma(v, a20); a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w[wi + 3]);
            a30 = x0.fma(v, a30); a31 = x1.fma(v, a31);
        }
        a00.intoArray(sums, so); a01.intoArray(sums, so + L);
        a10.intoArray(sums, so + 2 * L); a11.intoArray(sums, so + 3 * L);
        a20.intoArray(sums, so + 4 * L); a21.intoArray(sums, so + 5 * L);
        a30.intoArray(sums, so + 6 * L); a31.intoArray(sums, so + 7 * L);
    }

    /** {@link #tile8}'s computation for 6 outputs x 2 vectors. */
    private static void tile6(float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, boolean relu,
                              float[] y, int yo, int ys, int count, float[] sums) {
        for (int q = 0; q < count; q += 2 * L) {
            block6(x, xq + q, taps, nk, w, wo, b, bo, sums, 0);
            for (int j = 0, yi = yo + q; j < 6; j++, yi += ys) {
                FloatVector s0 = FloatVector.fromArray(F, sums, 2 * j * L), s1 = FloatVector.fromArray(F, sums, (2 * j + 1) * L);
                if (relu) { s0 = s0.max(0f); s1 = s1.max(0f); }
                s0.intoArray(y, yi);
                s1.intoArray(y, yi + L);
            }
        }
    }

    /**
     * One block of 6 outputs x 2 vectors into sums[so, so + 12 L): output j's vector h is
     * b[bo + j] + sum over k < nk of w[wo + 6 k + j] x[xq + taps[k] + h L + lane]. A method of its
     * own with few live integers, storing to a fixed place: written as one loop nest with the stores
     * into y (tile8's form), the JIT ran out of general registers, parked them in vector registers
     * and spilled half of the accumulators to the stack on every step of k, at half the speed.
     * {@link WinogradKernels} runs its products through it too.
     */
    static void block6(float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, float[] sums, int so) {
        FloatVector a00 = FloatVector.broadcast(F, b[bo]), a01 = a00;
        FloatVector a10 = FloatVector.broadcast(F, b[bo + 1]), a11 = a10;
        FloatVector a20 = FloatVector.broadcast(F, b[bo + 2]), a21 = a20;
        FloatVector a30 = FloatVector.broadcast(F, b[bo + 3]), a31 = a30;
        FloatVector a40 = FloatVector.broadcast(F, b[bo + 4]), a41 = a40;
        FloatVector a50 = FloatVector.broadcast(F, b[bo + 5]), a51 = a50;
        for (int k = 0; k < nk; k++) {
            int xi = xq + taps[k], wi = wo + 6 * k;
            FloatVector x0 = FloatVector.fromArray(F, x, xi);
            FloatVector x1 = FloatVector.fromArray(F, x, xi + L);
            FloatVector v = FloatVector.broadcast(F, w[wi]);
            a00 = x0.fma(v, a00); a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w[wi + 1]);
            a10 = x0.fma(v, a10); a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w[wi + 2]);
            a20 = x0.fma(v, a20); a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w[wi + 3]);
            a30 = x0.fma(v, a30); a31 = x1.fma(v, a31);
            v = FloatVector.broadcast(F, w[wi + 4]);
            a40 = x0.fma(v, a40); a41 = x1.fma(v, a41);
            v = FloatVector.broadcast(F, w[wi + 5]);
            a50 = x0.fma(v, a50); a51 = x1.fma(v, a51);
        }
        a00.intoArray(sums, so); a01.intoArray(sums, so + L);
        a10.intoArray(sums, so + 2 * L); a11.intoArray(sums, so + 3 * L);
        a20.intoArray(sums, so + 4 * L); a21.intoArray(sums, so + 5 * L);
        a30.intoArray(sums, so + 6 * L); a31.intoArray(sums, so + 7 * L);
        a40.intoArray(sums, so + 8 * L); a41.intoArray(sums, so + 9 * L);
        a50.intoArray(sums, so + 10 * L); a51.intoArray(sums, so + 11 * L);
    }

    /**
     * 8 outputs x 2 vectors of positions per register tile, for positions [xq, xq + count) stored
     * from y[yo] on, outputs ys apart; the k loop runs over (input channel, tap).
     */
    private static void tile8(float[] x, int xq, int[] taps, int nk, float[] w, int wo, float[] b, int bo, boolean relu,
                              float[] y, int yo, int ys, int count) {
        for (int q = 0; q < count; q += 2 * L) {
            FloatVector a00 = FloatVector.broadcast(F, b[bo]), a01 = a00;
            FloatVector a10 = FloatVector.broadcast(F, b[bo + 1]), a11 = a10;
            FloatVector a20 = FloatVector.broadcast(F, b[bo + 2]), a21 = a20;
            FloatVector a30 = FloatVector.broadcast(F, b[bo + 3]), a31 = a30;
            FloatVector a40 = FloatVector.broadcast(F, b[bo + 4]), a41 = a40;
            FloatVector a50 = FloatVector.broadcast(F, b[bo + 5]), a51 = a50;
            FloatVector a60 = FloatVector.broadcast(F, b[bo + 6]), a61 = a60;
            FloatVector a70 = FloatVector.broadcast(F, b[bo + 7]), a71 = a70;
            for (int k = 0, wi = wo; k < nk; k++, wi += 8) {
                int xi = xq + q + taps[k];
                FloatVector x0 = FloatVector.fromArray(F, x, xi);
                FloatVector x1 = FloatVector.fromArray(F, x, xi + L);
                FloatVector v = FloatVector.broadcast(F, w[wi]);
                a00 = x0.fma(v, a00); a01 = x1.fma(v, a01);
                v = FloatVector.broadcast(F, w[wi + 1]);
                a10 = x0.fma(v, a10); a11 = x1.fma(v, a11);
                v = FloatVector.broadcast(F, w[wi + 2]);
                a20 = x0.fma(v, a20); a21 = x1.fma(v, a21);
                v = FloatVector.broadcast(F, w[wi + 3]);
                a30 = x0.fma(v, a30); a31 = x1.fma(v, a31);
                v = FloatVector.broadcast(F, w[wi + 4]);
                a40 = x0.fma(v, a40); a41 = x1.fma(v, a41);
                v = FloatVector.broadcast(F, w[wi + 5]);
                a50 = x0.fma(v, a50); a51 = x1.fma(v, a51);
                v = FloatVector.broadcast(F, w[wi + 6]);
                a60 = x0.fma(v, a60); a61 = x1.fma(v, a61);
                v = FloatVector.broadcast(F, w[wi + 7]);
                a70 = x0.fma(v, a70); a71 = x1.fma(v, a71);
            }
            if (relu) {
                a00 = a00.max(0f); a01 = a01.max(0f); a10 = a10.max(0f); a11 = a11.max(0f);
                a20 = a20.max(0f); a21 = a21.max(0f); a30 = a30.max(0f); a31 = a31.max(0f);
                a40 = a40.max(0f); a41 = a41.max(0f); a50 = a50.max(0f); a51 = a51.max(0f);
                a60 = a60.max(0f); a61 = a61.max(0f); a70 = a70.max(0f); a71 = a71.max(0f);
            }
            int yi = yo + q;
            a00.intoArray(y, yi); a01.intoArray(y, yi + L); yi += ys;
            a10.intoArray(y, yi); a11.intoArray(y, yi + L); yi += ys;
            a20.intoArray(y, yi); a21.intoArray(y, yi + L); yi += ys;
            a30.intoArray(y, yi); a31.intoArray(y, yi + L); yi += ys;
            a40.intoArray(y, yi); a41.intoArray(y, yi + L); yi += ys;
            a50.intoArray(y, yi); a51.intoArray(y, yi + L); yi += ys;
            a60.intoArray(y, yi); a61.intoArray(y, yi + L); yi += ys;
            a70.intoArray(y, yi); a71.intoArray(y, yi + L);
        }
    }

    /**
     * The implicit GEMM for outputs [first, nOut) that no register tile takes (all of a logits
     * layer's one to three, or the few a layer's tiles leave over), input channel by input channel: over a stretch of
     * positions, each output's running sums start from its bias and take the 9 taps of input
     * channel 0, then of channel 1, and so on, in the register tiles' order, so the bits are those
     * of any tile. Each channel's pass reads 9 rows that stay in the L1 cache, where a register tile
     * over all (input channel, tap) pairs reads nIn x 9 rows at every step.
     */
    private void fewOutputs(float[] x, int nIn, int perChannel, int first, int nOut, int plane, boolean relu, float[] y, int yo) {
        int nk = nIn * perChannel, size = roundUp(plane, 24 * L);
        if (outputSums.length < (nOut - first) * size) outputSums = new float[(nOut - first) * size];
        for (int o0 = first, outputs; o0 < nOut; o0 += outputs) {
            boolean three = nOut - o0 >= 3;
            outputs = three ? 3 : 1;
            int end = roundUp(plane, three ? 3 * L : 8 * L), so = (o0 - first) * size;
            for (int p0 = 0; p0 < end; p0 += STRETCH) {
                int p1 = Math.min(end, p0 + STRETCH);
                for (int j = 0; j < outputs; j++) Arrays.fill(outputSums, so + j * size + p0, so + j * size + p1, packedBias[o0 + j]);
                for (int k = 0; k < nk; k += perChannel) {
                    int wo = o0 * nk + k;
                    if (three) sumThree(x, taps, k, perChannel, rows, wo, nk, outputSums, so, size, p0, p1);
                    else sumOne(x, taps, k, perChannel, rows, wo, outputSums, so, p0, p1);
                }
            }
            for (int j = 0; j < outputs; j++) copyOut(outputSums, so + j * size, relu, y, yo + (o0 + j) * plane, plane);
        }
    }

    /**
     * Three outputs x 3 vectors of positions in [from, to): s[so + j * ss + p] += the {@code count}
     * taps of one input channel (x at taps[k + t] + p, weights w[wo + j * ws + t]).
     */
    private static void sumThree(float[] x, int[] taps, int k, int count, float[] w, int wo, int ws, float[] s, int so, int ss,
                                 int from, int to) {
        for (int p = from; p < to; p += 3 * L) {
            int s0 = so + p, s1 = s0 + ss, s2 = s1 + ss;
            FloatVector a00 = FloatVector.fromArray(F, s, s0), a01 = FloatVector.fromArray(F, s, s0 + L), a02 = FloatVector.fromArray(F, s, s0 + 2 * L);
            FloatVector a10 = FloatVector.fromArray(F, s, s1), a11 = FloatVector.fromArray(F, s, s1 + L), a12 = FloatVector.fromArray(F, s, s1 + 2 * L);
            FloatVector a20 = FloatVector.fromArray(F, s, s2), a21 = FloatVector.fromArray(F, s, s2 + L), a22 = FloatVector.fromArray(F, s, s2 + 2 * L);
            for (int t = 0; t < count; t++) {
                int xi = taps[k + t] + p, wi = wo + t;
                FloatVector x0 = FloatVector.fromArray(F, x, xi);
                FloatVector x1 = FloatVector.fromArray(F, x, xi + L);
                FloatVector x2 = FloatVector.fromArray(F, x, xi + 2 * L);
                FloatVector v = FloatVector.broadcast(F, w[wi]);
                a00 = x0.fma(v, a00); a01 = x1.fma(v, a01); a02 = x2.fma(v, a02);
                v = FloatVector.broadcast(F, w[wi + ws]);
                a10 = x0.fma(v, a10); a11 = x1.fma(v, a11); a12 = x2.fma(v, a12);
                v = FloatVector.broadcast(F, w[wi + 2 * ws]);
                a20 = x0.fma(v, a20); a21 = x1.fma(v, a21); a22 = x2.fma(v, a22);
            }
            a00.intoArray(s, s0); a01.intoArray(s, s0 + L); a02.intoArray(s, s0 + 2 * L);
            a10.intoArray(s, s1); a11.intoArray(s, s1 + L); a12.intoArray(s, s1 + 2 * L);
            a20.intoArray(s, s2); a21.intoArray(s, s2 + L); a22.intoArray(s, s2 + 2 * L);
        }
    }

    /**
     * One output x 8 vectors of positions in [from, to): {@link #sumThree}'s sums for a single output.
     * Eight running sums keep both FMA units busy through the multiply-add's latency.
     */
    private static void sumOne(float[] x, int[] taps, int k, int count, float[] w, int wo, float[] s, int so, int from, int to) {
        for (int p = from; p < to; p += 8 * L) {
            int si = so + p;
            FloatVector a0 = FloatVector.fromArray(F, s, si), a1 = FloatVector.fromArray(F, s, si + L);
            FloatVector a2 = FloatVector.fromArray(F, s, si + 2 * L), a3 = FloatVector.fromArray(F, s, si + 3 * L);
            FloatVector a4 = FloatVector.fromArray(F, s, si + 4 * L), a5 = FloatVector.fromArray(F, s, si + 5 * L);
            FloatVector a6 = FloatVector.fromArray(F, s, si + 6 * L), a7 = FloatVector.fromArray(F, s, si + 7 * L);
            for (int t = 0; t < count; t++) {
                int xi = taps[k + t] + p;
                FloatVector v = FloatVector.broadcast(F, w[wo + t]);
                a0 = FloatVector.fromArray(F, x, xi).fma(v, a0);
                a1 = FloatVector.fromArray(F, x, xi + L).fma(v, a1);
                a2 = FloatVector.fromArray(F, x, xi + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(F, x, xi + 3 * L).fma(v, a3);
                a4 = FloatVector.fromArray(F, x, xi + 4 * L).fma(v, a4);
                a5 = FloatVector.fromArray(F, x, xi + 5 * L).fma(v, a5);
                a6 = FloatVector.fromArray(F, x, xi + 6 * L).fma(v, a6);
                a7 = FloatVector.fromArray(F, x, xi + 7 * L).fma(v, a7);
            }
            a0.intoArray(s, si); a1.intoArray(s, si + L); a2.intoArray(s, si + 2 * L); a3.intoArray(s, si + 3 * L);
            a4.intoArray(s, si + 4 * L); a5.intoArray(s, si + 5 * L); a6.intoArray(s, si + 6 * L); a7.intoArray(s, si + 7 * L);
        }
    }

    /** y[yo, yo + n) = s[so, so + n), with ReLU when {@code relu}. */
    private static void copyOut(float[] s, int so, boolean relu, float[] y, int yo, int n) {
        if (!relu) {
            System.arraycopy(s, so, y, yo, n);
            return;
        }
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(F, s, so + i).max(0f).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.max(s[so + i], 0f);
    }

    // ---- backward-filter ----

    /**
     * Output channels in the lanes: the gradient is transposed into blocks of two channel vectors,
     * each position-major (gradT[cb * plane + p * width + j], zero in the padding channels); then for
     * each block and input channel, passes over the positions accumulate the 9 taps against broadcast
     * inputs (all 9 at once with 32 vector registers; 6, then 3 with 16, to stay in registers).
     */
    private void filterByLanes(int cin, int plane, float[] dy, int dyo, int cout, float[] db, int dbo,
                               int tapCount, float[] out, int oo) {
        int cp = lanes(cout);
        if (gradT.length < plane * cp) gradT = new float[plane * cp];
        // blocks of 2 vectors of channels (the last may be 1), each position-major and contiguous,
        // so that each pass of the kernels below streams one block in order
        for (int cb = 0; cb < cp; cb += 2 * L) {
            int width = Math.min(2 * L, cp - cb), base = cb * plane;
            for (int p = 0; p < plane; p++) {
                int dst = base + p * width;
                for (int j = 0; j < width; j++)
                    gradT[dst + j] = cb + j < cout ? dy[dyo + (cb + j) * plane + p] : 0f;
            }
            for (int v = 0; v < width; v += L) {
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < plane; p++) sum = sum.add(FloatVector.fromArray(F, gradT, base + p * width + v));
                for (int lane = 0; lane < L && cb + v + lane < cout; lane++) db[dbo + cb + v + lane] += sum.lane(lane);
            }
        }
        float[] x = input.data;
        // channel blocks outer: one block of the gradient stays in cache for every input channel
        for (int cb = 0; cb < cp; cb += 2 * L) {
            int go = cb * plane;
            for (int ci = 0; ci < cin; ci++) {
                int xo = 3 * ci * input.stride, ao = oo + ci * tapCount * cp + cb;
                if (tapCount == 4) {
                    if (cb + 2 * L > cp) filterSingleFour(x, xo, taps, gradT, go, plane, out, ao, cp);
                    else filterPairFour(x, xo, taps, gradT, go, plane, out, ao, cp);
                } else if (cb + 2 * L > cp) filterSingle(x, xo, taps, gradT, go, plane, out, ao, cp);
                else if (tileOutputs == 8) filterPair(x, xo, taps, gradT, go, plane, out, ao, cp);
                else {
                    filterPairSix(x, xo, taps, gradT, go, plane, out, ao, cp);
                    filterPairThree(x, xo, taps, gradT, go, plane, out, ao + 6 * cp, cp);
                }
            }
        }
    }

    /** {@link #filterPair}'s sums for four taps: 8 accumulators. */
    private static void filterPairFour(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3];
        for (int q = 0; q < n; q++) {
            int gi = go + q * 2 * L;
            FloatVector g0 = FloatVector.fromArray(F, g, gi);
            FloatVector g1 = FloatVector.fromArray(F, g, gi + L);
            FloatVector v = FloatVector.broadcast(F, x[t0 + q]);
            a00 = g0.fma(v, a00); a01 = g1.fma(v, a01);
            v = FloatVector.broadcast(F, x[t1 + q]);
            a10 = g0.fma(v, a10); a11 = g1.fma(v, a11);
            v = FloatVector.broadcast(F, x[t2 + q]);
            a20 = g0.fma(v, a20); a21 = g1.fma(v, a21);
            v = FloatVector.broadcast(F, x[t3 + q]);
            a30 = g0.fma(v, a30); a31 = g1.fma(v, a31);
        }
        int o = ao;
        a00.intoArray(acc, o); a01.intoArray(acc, o + L); o += cp;
        a10.intoArray(acc, o); a11.intoArray(acc, o + L); o += cp;
        a20.intoArray(acc, o); a21.intoArray(acc, o + L); o += cp;
        a30.intoArray(acc, o); a31.intoArray(acc, o + L);
    }

    /** {@link #filterSingle}'s sums for four taps. */
    private static void filterSingleFour(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3];
        for (int q = 0; q < n; q++) {
            FloatVector g0 = FloatVector.fromArray(F, g, go + q * L);
            a0 = g0.fma(FloatVector.broadcast(F, x[t0 + q]), a0);
            a1 = g0.fma(FloatVector.broadcast(F, x[t1 + q]), a1);
            a2 = g0.fma(FloatVector.broadcast(F, x[t2 + q]), a2);
            a3 = g0.fma(FloatVector.broadcast(F, x[t3 + q]), a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + cp); a2.intoArray(acc, ao + 2 * cp); a3.intoArray(acc, ao + 3 * cp);
    }

    private static void filterPair(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z, a41 = z,
                a50 = z, a51 = z, a60 = z, a61 = z, a70 = z, a71 = z, a80 = z, a81 = z;
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3], t4 = xo + taps[4],
                t5 = xo + taps[5], t6 = xo + taps[6], t7 = xo + taps[7], t8 = xo + taps[8];
        for (int q = 0; q < n; q++) {
            int gi = go + q * 2 * L;
            FloatVector g0 = FloatVector.fromArray(F, g, gi);
            FloatVector g1 = FloatVector.fromArray(F, g, gi + L);
            FloatVector v = FloatVector.broadcast(F, x[t0 + q]);
            a00 = g0.fma(v, a00); a01 = g1.fma(v, a01);
            v = FloatVector.broadcast(F, x[t1 + q]);
            a10 = g0.fma(v, a10); a11 = g1.fma(v, a11);
            v = FloatVector.broadcast(F, x[t2 + q]);
            a20 = g0.fma(v, a20); a21 = g1.fma(v, a21);
            v = FloatVector.broadcast(F, x[t3 + q]);
            a30 = g0.fma(v, a30); a31 = g1.fma(v, a31);
            v = FloatVector.broadcast(F, x[t4 + q]);
            a40 = g0.fma(v, a40); a41 = g1.fma(v, a41);
            v = FloatVector.broadcast(F, x[t5 + q]);
            a50 = g0.fma(v, a50); a51 = g1.fma(v, a51);
            v = FloatVector.broadcast(F, x[t6 + q]);
            a60 = g0.fma(v, a60); a61 = g1.fma(v, a61);
            v = FloatVector.broadcast(F, x[t7 + q]);
            a70 = g0.fma(v, a70); a71 = g1.fma(v, a71);
            v = FloatVector.broadcast(F, x[t8 + q]);
            a80 = g0.fma(v, a80); a81 = g1.fma(v, a81);
        }
        int o = ao;
        a00.intoArray(acc, o); a01.intoArray(acc, o + L); o += cp;
        a10.intoArray(acc, o); a11.intoArray(acc, o + L); o += cp;
        a20.intoArray(acc, o); a21.intoArray(acc, o + L); o += cp;
        a30.intoArray(acc, o); a31.intoArray(acc, o + L); o += cp;
        a40.intoArray(acc, o); a41.intoArray(acc, o + L); o += cp;
        a50.intoArray(acc, o); a51.intoArray(acc, o + L); o += cp;
        a60.intoArray(acc, o); a61.intoArray(acc, o + L); o += cp;
        a70.intoArray(acc, o); a71.intoArray(acc, o + L); o += cp;
        a80.intoArray(acc, o); a81.intoArray(acc, o + L);
    }

    /** filterPair's sums for taps 0 to 5 only: 12 accumulators, which fit AVX2's 16 registers. */
    private static void filterPairSix(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z, a41 = z,
                a50 = z, a51 = z;
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3], t4 = xo + taps[4],
                t5 = xo + taps[5];
        for (int q = 0; q < n; q++) {
            int gi = go + q * 2 * L;
            FloatVector g0 = FloatVector.fromArray(F, g, gi);
            FloatVector g1 = FloatVector.fromArray(F, g, gi + L);
            FloatVector v = FloatVector.broadcast(F, x[t0 + q]);
            a00 = g0.fma(v, a00); a01 = g1.fma(v, a01);
            v = FloatVector.broadcast(F, x[t1 + q]);
            a10 = g0.fma(v, a10); a11 = g1.fma(v, a11);
            v = FloatVector.broadcast(F, x[t2 + q]);
            a20 = g0.fma(v, a20); a21 = g1.fma(v, a21);
            v = FloatVector.broadcast(F, x[t3 + q]);
            a30 = g0.fma(v, a30); a31 = g1.fma(v, a31);
            v = FloatVector.broadcast(F, x[t4 + q]);
            a40 = g0.fma(v, a40); a41 = g1.fma(v, a41);
            v = FloatVector.broadcast(F, x[t5 + q]);
            a50 = g0.fma(v, a50); a51 = g1.fma(v, a51);
        }
        int o = ao;
        a00.intoArray(acc, o); a01.intoArray(acc, o + L); o += cp;
        a10.intoArray(acc, o); a11.intoArray(acc, o + L); o += cp;
        a20.intoArray(acc, o); a21.intoArray(acc, o + L); o += cp;
        a30.intoArray(acc, o); a31.intoArray(acc, o + L); o += cp;
        a40.intoArray(acc, o); a41.intoArray(acc, o + L); o += cp;
        a50.intoArray(acc, o); a51.intoArray(acc, o + L);
    }

    /** filterPair's sums for taps 6 to 8, stored from acc[ao] on. */
    private static void filterPairThree(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z;
        int t0 = xo + taps[6], t1 = xo + taps[7], t2 = xo + taps[8];
        for (int q = 0; q < n; q++) {
            int gi = go + q * 2 * L;
            FloatVector g0 = FloatVector.fromArray(F, g, gi);
            FloatVector g1 = FloatVector.fromArray(F, g, gi + L);
            FloatVector v = FloatVector.broadcast(F, x[t0 + q]);
            a00 = g0.fma(v, a00); a01 = g1.fma(v, a01);
            v = FloatVector.broadcast(F, x[t1 + q]);
            a10 = g0.fma(v, a10); a11 = g1.fma(v, a11);
            v = FloatVector.broadcast(F, x[t2 + q]);
            a20 = g0.fma(v, a20); a21 = g1.fma(v, a21);
        }
        int o = ao;
        a00.intoArray(acc, o); a01.intoArray(acc, o + L); o += cp;
        a10.intoArray(acc, o); a11.intoArray(acc, o + L); o += cp;
        a20.intoArray(acc, o); a21.intoArray(acc, o + L);
    }

    private static void filterSingle(float[] x, int xo, int[] taps, float[] g, int go, int n, float[] acc, int ao, int cp) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z;
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3], t4 = xo + taps[4],
                t5 = xo + taps[5], t6 = xo + taps[6], t7 = xo + taps[7], t8 = xo + taps[8];
        for (int q = 0; q < n; q++) {
            FloatVector g0 = FloatVector.fromArray(F, g, go + q * L);
            a0 = g0.fma(FloatVector.broadcast(F, x[t0 + q]), a0);
            a1 = g0.fma(FloatVector.broadcast(F, x[t1 + q]), a1);
            a2 = g0.fma(FloatVector.broadcast(F, x[t2 + q]), a2);
            a3 = g0.fma(FloatVector.broadcast(F, x[t3 + q]), a3);
            a4 = g0.fma(FloatVector.broadcast(F, x[t4 + q]), a4);
            a5 = g0.fma(FloatVector.broadcast(F, x[t5 + q]), a5);
            a6 = g0.fma(FloatVector.broadcast(F, x[t6 + q]), a6);
            a7 = g0.fma(FloatVector.broadcast(F, x[t7 + q]), a7);
            a8 = g0.fma(FloatVector.broadcast(F, x[t8 + q]), a8);
        }
        int o = ao;
        a0.intoArray(acc, o); a1.intoArray(acc, o + cp); a2.intoArray(acc, o + 2 * cp);
        a3.intoArray(acc, o + 3 * cp); a4.intoArray(acc, o + 4 * cp); a5.intoArray(acc, o + 5 * cp);
        a6.intoArray(acc, o + 6 * cp); a7.intoArray(acc, o + 7 * cp); a8.intoArray(acc, o + 8 * cp);
    }

    /**
     * Few output channels (the logits layer has one), or few input channels for the plane size
     * (the first layer has one), where transposing the gradient would cost more than the sums:
     * positions in the lanes, summed across lanes once per (output, input channel, tap). The
     * gradient planes are copied with zeros after them so that the last vector reads zeros. The
     * positions go in stretches, input channel outer, so that one channel's three copies stay in
     * the L1 cache for every output; each lane's sum still runs over the positions in order.
     */
    private void filterBySums(int cin, int plane, float[] dy, int dyo, int cout,
                              float[] dw, int dwo, float[] db, int dbo) {
        int end = roundUp(plane, L);
        if (gradFlat.length < cout * end) gradFlat = new float[cout * end];
        float[] x = input.data, g = gradFlat;
        for (int co = 0; co < cout; co++) {
            System.arraycopy(dy, dyo + co * plane, g, co * end, plane);
            Arrays.fill(g, co * end + plane, (co + 1) * end, 0f);
            FloatVector sum = FloatVector.zero(F);
            for (int q = 0; q < end; q += L) sum = sum.add(FloatVector.fromArray(F, g, co * end + q));
            db[dbo + co] += sum.reduceLanes(VectorOperators.ADD);
        }
        int n = cout * cin * 9 * L;
        if (laneSums.length < n) laneSums = new float[n];
        Arrays.fill(laneSums, 0, n, 0f);
        for (int p0 = 0; p0 < end; p0 += STRETCH) {
            int p1 = Math.min(end, p0 + STRETCH);
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    tapSums(x, 3 * ci * input.stride, taps, g, co * end, laneSums, (co * cin + ci) * 9 * L, p0, p1);
        }
        for (int co = 0; co < cout; co++)
            for (int k = 0; k < cin * 9; k++)
                dw[dwo + co * cin * 9 + k] += FloatVector.fromArray(F, laneSums, (co * cin * 9 + k) * L).reduceLanes(VectorOperators.ADD);
    }

    /** s[so + t L + lane] += the lanes of g[go + q] x[xo + taps[t] + q] over q in [from, to), in steps of L. */
    private static void tapSums(float[] x, int xo, int[] taps, float[] g, int go, float[] s, int so, int from, int to) {
        FloatVector a0 = FloatVector.fromArray(F, s, so), a1 = FloatVector.fromArray(F, s, so + L);
        FloatVector a2 = FloatVector.fromArray(F, s, so + 2 * L), a3 = FloatVector.fromArray(F, s, so + 3 * L);
        FloatVector a4 = FloatVector.fromArray(F, s, so + 4 * L), a5 = FloatVector.fromArray(F, s, so + 5 * L);
        FloatVector a6 = FloatVector.fromArray(F, s, so + 6 * L), a7 = FloatVector.fromArray(F, s, so + 7 * L);
        FloatVector a8 = FloatVector.fromArray(F, s, so + 8 * L);
        int t0 = xo + taps[0], t1 = xo + taps[1], t2 = xo + taps[2], t3 = xo + taps[3], t4 = xo + taps[4],
                t5 = xo + taps[5], t6 = xo + taps[6], t7 = xo + taps[7], t8 = xo + taps[8];
        for (int q = from; q < to; q += L) {
            FloatVector d = FloatVector.fromArray(F, g, go + q);
            a0 = FloatVector.fromArray(F, x, t0 + q).fma(d, a0);
            a1 = FloatVector.fromArray(F, x, t1 + q).fma(d, a1);
            a2 = FloatVector.fromArray(F, x, t2 + q).fma(d, a2);
            a3 = FloatVector.fromArray(F, x, t3 + q).fma(d, a3);
            a4 = FloatVector.fromArray(F, x, t4 + q).fma(d, a4);
            a5 = FloatVector.fromArray(F, x, t5 + q).fma(d, a5);
            a6 = FloatVector.fromArray(F, x, t6 + q).fma(d, a6);
            a7 = FloatVector.fromArray(F, x, t7 + q).fma(d, a7);
            a8 = FloatVector.fromArray(F, x, t8 + q).fma(d, a8);
        }
        a0.intoArray(s, so); a1.intoArray(s, so + L); a2.intoArray(s, so + 2 * L);
        a3.intoArray(s, so + 3 * L); a4.intoArray(s, so + 4 * L); a5.intoArray(s, so + 5 * L);
        a6.intoArray(s, so + 6 * L); a7.intoArray(s, so + 7 * L); a8.intoArray(s, so + 8 * L);
    }

    static int roundUp(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }
}
