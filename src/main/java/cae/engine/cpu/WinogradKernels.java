package cae.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The 3x3 stride-1 SAME convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
 * 2016), for layers with enough channels on both sides; thinner layers go to {@code direct}.
 *
 * <p>Each output plane is cut into 2 x 2 tiles. A tile's outputs are A^T [ U (.) V ] A, where
 * V = B^T d B is the 4 x 4 input patch around it transformed, U = G g G^T the 3 x 3 kernel
 * transformed and (.) the element-wise product; summed over input channels, each of the 16 elements
 * xi of the product is a matrix product M[xi] = U[xi] V[xi] (outputs x input channels times input
 * channels x tiles): 16 multiply-adds per tile and channel pair where the direct convolution needs
 * 36. Backward-data is the same computation with the kernel transposed and flipped. Backward-filter
 * is its adjoint: dU[xi] = (A dY A^T)[xi] V[xi]^T summed over tiles, then dW = G^T dU G.
 *
 * <p>The results differ from the direct convolution's in the last bits (the terms are summed in
 * another order and through the transforms) but stay within the engine's bounds against the
 * double-precision reference. They do not depend on the thread count (one sample per call, as
 * before) and an output's value depends only on the input around it and on where its tile starts,
 * which is at even coordinates: so a window cut at even coordinates (the tiled denoiser's) gives the
 * same bits as the whole image.
 *
 * <p>Planes are processed in bands of tile rows (about {@link #BAND_TILES} tiles), so the scratch is
 * bounded whatever the image size. One instance per worker thread, owning its scratch.
 */
final class WinogradKernels implements ConvKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Tiles per register tile: two vectors. */
    private static final int BLOCK = 2 * L;
    /** Outputs per register tile: Conv3x3Kernels.block6's 6 x 2 vectors, which fit 16 vector registers. */
    private static final int OUTS = 6;
    /** Tiles per band: a band's transformed inputs are 16 x channels x this many floats. */
    private static final int BAND_TILES = 512;
    /**
     * Layers with at least this many channels on each side, and at least MIN_PRODUCT channel pairs,
     * go through the transforms; below that the transforms cost about what the products save (the
     * recipe's 32 -> 32 layers ran no faster through them). The rule looks at channels only, never
     * at the plane's size: a window of an image (the tiled denoiser's) must take the same way as the
     * whole image to give the same bits.
     */
    static final int MIN_CHANNELS = 16, MIN_PRODUCT = 32 * 64;
    /** Positions per stretch of the gradient's transpose. */
    private static final int TRANSPOSE_POSITIONS = 64;

    private final ConvKernels direct;
    private final boolean everyShape;

    /** Winograd for the layers {@link #suits} accepts, {@code direct} for the others. */
    WinogradKernels(ConvKernels direct) { this(direct, false); }

    /** With {@code everyShape}, every shape through the transforms (for the tests). */
    WinogradKernels(ConvKernels direct, boolean everyShape) {
        this.direct = direct;
        this.everyShape = everyShape;
    }

    /** Whether a layer goes through the transforms (see MIN_CHANNELS). */
    static boolean suits(int cin, int cout) { return cin >= MIN_CHANNELS && cout >= MIN_CHANNELS && cin * cout >= MIN_PRODUCT; }

    private boolean winograd(int cin, int cout) { return everyShape || suits(cin, cout); }

    // scratch, grown once per shape
    private float[] split = new float[0];
    private float[] transformed = new float[0];
    private float[] packed = new float[0];
    private final PackedWeights packedFrom = new PackedWeights();
    private final float[] blockSums = new float[16 * OUTS * BLOCK];
    private int[] channelRows = new int[0];
    private static final float[] NO_BIAS = new float[OUTS];
    private final float[] quad = new float[4 * L], tileRows = new float[8 * L];
    private final float[] kernel = new float[9], kernelTransformed = new float[16], rowsOfThree = new float[12];
    private float[] padded = new float[0];
    private float[] gradT = new float[0];
    private float[] gradTransformed = new float[0];
    private float[] filterGrad = new float[0];

    @Override public void forward(float[] x, int xo, int cin, int h, int w, float[] wt, int wo, float[] bias, int bo,
                                  int cout, float[] y, int yo, boolean relu) {
        if (!winograd(cin, cout)) {
            direct.forward(x, xo, cin, h, w, wt, wo, bias, bo, cout, y, yo, relu);
            return;
        }
        pack(wt, wo, cin, cout, false);
        convolve(x, xo, cin, h, w, cout, bias, bo, relu, y, yo);
    }

    @Override public void backwardData(float[] dy, int dyo, int cout, int h, int w, float[] wt, int wo, int cin,
                                       float[] dx, int dxo) {
        if (!winograd(cin, cout)) {
            direct.backwardData(dy, dyo, cout, h, w, wt, wo, cin, dx, dxo);
            return;
        }
        pack(wt, wo, cout, cin, true);
        convolve(dy, dyo, cout, h, w, cin, null, 0, false, dx, dxo);
    }

    // ---- the kernel transform ----

    /**
     * U = G g G^T for every (output, input) pair, laid out for Conv3x3Kernels' block6: by element xi, then
     * tiles of OUTS outputs (zero past nOut), then input channel, then the tile's outputs. With
     * {@code transposed} the outputs are the kernel's input channels and the taps are flipped.
     */
    private void pack(float[] wt, int wo, int nIn, int nOut, boolean transposed) {
        if (packedFrom.same(wt, wo, nIn, nOut, transposed)) return;
        int tiles = ceilDiv(nOut, OUTS), size = 16 * tiles * nIn * OUTS;
        if (packed.length < size) packed = new float[size];
        Arrays.fill(packed, 0, size, 0f);
        float[] g = kernel, u = kernelTransformed;
        for (int o = 0; o < nOut; o++)
            for (int i = 0; i < nIn; i++) {
                for (int t = 0; t < 9; t++)
                    g[t] = transposed ? wt[wo + (i * nOut + o) * 9 + 8 - t] : wt[wo + (o * nIn + i) * 9 + t];
                kernelTransform(g, u, rowsOfThree);
                int tile = o / OUTS, j = o % OUTS;
                for (int xi = 0; xi < 16; xi++) packed[((xi * tiles + tile) * nIn + i) * OUTS + j] = u[xi];
            }
    }

    /** u = G g G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]; g and u row-major, gg scratch of 12. */
    static void kernelTransform(float[] g, float[] u, float[] gg) {
        // gg = G g: 4 x 3
        for (int c = 0; c < 3; c++) {
            float g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
            gg[c] = g0;
            gg[3 + c] = 0.5f * (g0 + g1 + g2);
            gg[6 + c] = 0.5f * (g0 - g1 + g2);
            gg[9 + c] = g2;
        }
        for (int r = 0; r < 4; r++) {
            float a = gg[3 * r], b = gg[3 * r + 1], c = gg[3 * r + 2];
            u[4 * r] = a;
            u[4 * r + 1] = 0.5f * (a + b + c);
            u[4 * r + 2] = 0.5f * (a - b + c);
            u[4 * r + 3] = c;
        }
    }

    // ---- forward and backward-data ----

    /** y = the convolution of nIn planes at x with the packed kernel, nOut planes, bias and ReLU after. */
    private void convolve(float[] x, int xo, int nIn, int h, int w, int nOut, float[] bias, int bo, boolean relu,
                          float[] y, int yo) {
        Tiling tiling = tiling(h, w);
        boolean even = h % 2 == 0 && w % 2 == 0;
        // odd planes are computed into a plane padded to whole tiles, then cropped
        float[] out = y;
        int outOffset = yo, rowWidth = w, outPlane = h * w;
        if (!even) {
            rowWidth = 2 * tiling.tw;
            outPlane = 4 * tiling.th * tiling.tw;
            if (padded.length < nOut * outPlane) padded = new float[nOut * outPlane];
            out = padded;
            outOffset = 0;
        }
        int tiles = ceilDiv(nOut, OUTS);
        for (int i0 = 0; i0 < tiling.th; i0 += tiling.bandRows) {
            int rows = Math.min(tiling.bandRows, tiling.th - i0), blocks = tiling.blocks(rows);
            int blockStride = blockStride(nIn), xiStride = xiStride(blocks, blockStride);
            inputTransform(x, xo, nIn, nIn, h, w, tiling, i0, rows);
            // the products: Conv3x3Kernels' register block, whose "taps" here are the channel rows of a block
            if (channelRows.length < nIn) channelRows = new int[nIn];
            for (int c = 0; c < nIn; c++) channelRows[c] = c * BLOCK;
            for (int qb = 0; qb < blocks; qb++)
                for (int tile = 0; tile < tiles; tile++) {
                    for (int xi = 0; xi < 16; xi++)
                        Conv3x3Kernels.block6(transformed, xi * xiStride + qb * blockStride, channelRows, nIn,
                                packed, (xi * tiles + tile) * nIn * OUTS, NO_BIAS, 0, blockSums, xi * OUTS * BLOCK);
                    outputTransform(tile, nOut, bias, bo, relu, qb * BLOCK, tiling, i0, rows, out, outOffset, rowWidth, outPlane);
                }
        }
        if (!even)
            for (int o = 0; o < nOut; o++)
                for (int r = 0; r < h; r++)
                    System.arraycopy(padded, o * outPlane + r * rowWidth, y, yo + (o * h + r) * w, w);
    }

    /**
     * How a plane is cut: th x tw tiles of 2 x 2; each tile row padded to twp, a whole number of
     * vectors (the padding tiles' outputs are dropped and their gradients are zero); bands of bandRows tile rows.
     */
    private static final class Tiling {
        int th, tw, twp, bandRows;

        /** Register blocks of BLOCK tiles in a band of {@code rows} tile rows. */
        int blocks(int rows) { return ceilDiv(rows * twp, BLOCK); }
    }

    private final Tiling tilingScratch = new Tiling();

    private Tiling tiling(int h, int w) {
        Tiling t = tilingScratch;
        t.th = (h + 1) / 2;
        t.tw = (w + 1) / 2;
        t.twp = Conv3x3Kernels.roundUp(t.tw, L);
        t.bandRows = Math.max(1, BAND_TILES / t.twp);
        return t;
    }

    /**
     * V = B^T d B for the tiles of tile rows [i0, i0 + rows), channels [0, nIn), into
     * transformed[xi * xiStride + (t / BLOCK) * blockStride + c * BLOCK + t % BLOCK], t = (i - i0) * twp + j:
     * each register block's channels one after another, as the products read them. Channels
     * [nIn, channels) and the tiles past the band's last are zero. B^T = [1 0 -1 0; 0 1 1 0;
     * 0 -1 1 0; 0 1 0 -1]. Each channel's rows are first split into even and odd columns (with the
     * zero padding), so that a vector of consecutive tiles reads consecutive cells.
     */
    private void inputTransform(float[] x, int xo, int nIn, int channels, int h, int w, Tiling tiling, int i0, int rows) {
        int twp = tiling.twp, blocks = tiling.blocks(rows);
        // cells [0, half) of a split row hold columns -1, 1, 3, ... and [half, 2 half) columns 0, 2, 4, ...;
        // a vector at tile j reads up to cell j + L of each half
        int half = twp + L, rowSize = 2 * half, splitRows = 2 * rows + 2;
        if (split.length < splitRows * rowSize) split = new float[splitRows * rowSize];
        int blockStride = blockStride(channels), xiStride = xiStride(blocks, blockStride), size = 16 * xiStride;
        if (transformed.length < size) transformed = new float[size];
        float[] s = split, v = transformed;
        for (int xi = 0; xi < 16; xi++) {
            for (int qb = 0; qb < blocks; qb++)
                Arrays.fill(v, xi * xiStride + qb * blockStride + nIn * BLOCK, xi * xiStride + qb * blockStride + channels * BLOCK, 0f);
            if (rows * twp % BLOCK != 0)  // the last block's second half
                for (int c = 0; c < nIn; c++) {
                    int at = xi * xiStride + (blocks - 1) * blockStride + c * BLOCK + L;
                    Arrays.fill(v, at, at + L, 0f);
                }
        }
        for (int c = 0; c < nIn; c++) {
            int plane = xo + c * h * w;
            for (int sr = 0; sr < splitRows; sr++) {
                int r = 2 * i0 - 1 + sr, base = sr * rowSize;
                if (r < 0 || r >= h) {
                    Arrays.fill(s, base, base + rowSize, 0f);
                    continue;
                }
                int row = plane + r * w, odd = w / 2, even = (w + 1) / 2;  // columns 1, 3, ... and 0, 2, ...
                s[base] = 0f;
                for (int j = 0; j < odd; j++) s[base + 1 + j] = x[row + 2 * j + 1];
                Arrays.fill(s, base + 1 + odd, base + half, 0f);
                for (int j = 0; j < even; j++) s[base + half + j] = x[row + 2 * j];
                Arrays.fill(s, base + half + even, base + rowSize, 0f);
            }
            for (int li = 0; li < rows; li++) {
                int r0 = 2 * li * rowSize, firstTile = li * twp;
                // the patch's columns a, b, c, d are even[j], odd[j], even[j + 1], odd[j + 1]:
                // d B's columns are a - c, b + c, c - b, b - d
                column(s, r0, rowSize, 0, 1, -1f, twp, v, firstTile, c, blockStride, xiStride, 0);
                column(s, r0, rowSize, half, 1, 1f, twp, v, firstTile, c, blockStride, xiStride, 1);
                column(s, r0, rowSize, 1, half, -1f, twp, v, firstTile, c, blockStride, xiStride, 2);
                column(s, r0, rowSize, half, half + 1, -1f, twp, v, firstTile, c, blockStride, xiStride, 3);
            }
        }
    }

    /**
     * Column k of the transform for one tile row of one channel: for each vector of tiles j, column k
     * of d B is first + sign x second of the cells at j + first and j + second of four split rows
     * from r0 on (sign 1 or -1: the fused multiply-add rounds once, as the sum or difference would);
     * B^T then combines the rows: p0 - p2, p1 + p2, p2 - p1, p1 - p3. A small method of its own taking
     * no vectors: the JIT boxes a vector that crosses a method boundary it did not inline, and it
     * stops inlining in methods that grow too large.
     */
    private static void column(float[] s, int r0, int rowSize, int first, int second, float sign, int twp, float[] v,
                               int firstTile, int c, int blockStride, int xiStride, int k) {
        int r1 = r0 + rowSize, r2 = r1 + rowSize, r3 = r2 + rowSize;
        FloatVector m = FloatVector.broadcast(F, sign);
        for (int j = 0; j < twp; j += L) {
            int t = firstTile + j, at = (t / BLOCK) * blockStride + c * BLOCK + t % BLOCK + k * xiStride;
            int i = j + first, i2 = j + second;
            FloatVector p0 = FloatVector.fromArray(F, s, r0 + i2).fma(m, FloatVector.fromArray(F, s, r0 + i));
            FloatVector p1 = FloatVector.fromArray(F, s, r1 + i2).fma(m, FloatVector.fromArray(F, s, r1 + i));
            FloatVector p2 = FloatVector.fromArray(F, s, r2 + i2).fma(m, FloatVector.fromArray(F, s, r2 + i));
            FloatVector p3 = FloatVector.fromArray(F, s, r3 + i2).fma(m, FloatVector.fromArray(F, s, r3 + i));
            p0.sub(p2).intoArray(v, at);
            p1.add(p2).intoArray(v, at + 4 * xiStride);
            p2.sub(p1).intoArray(v, at + 8 * xiStride);
            p1.sub(p3).intoArray(v, at + 12 * xiStride);
        }
    }

    /*
     * The transformed tiles' strides. Each is a whole number of cache lines plus one: the transforms
     * write 16 streams (one per element xi) at once, and at strides of a multiple of 4 KiB they would
     * all fall into one set of the L1 cache and evict each other.
     */

    /** Between register blocks of the transformed inputs: `channels` rows of BLOCK tiles, and a line. */
    private static int blockStride(int channels) { return channels * BLOCK + BLOCK; }

    /** Between channel blocks of the transformed gradient: `blocks` register blocks of BLOCK x BLOCK, and a line. */
    private static int gradBlockStride(int blocks) { return blocks * BLOCK * BLOCK + BLOCK; }

    /** Between elements xi: `blocks` blocks, and a line. */
    private static int xiStride(int blocks, int blockStride) { return blocks * blockStride + BLOCK; }


    /**
     * Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1], for register tile `tile`'s outputs and the band's tiles
     * [q, q + BLOCK), plus bias and ReLU, stored into the output planes (not the padding tiles).
     */
    private void outputTransform(int tile, int nOut, float[] bias, int bo, boolean relu, int q, Tiling tiling, int i0, int rows,
                                 float[] out, int outOffset, int rowWidth, int outPlane) {
        float[] m = blockSums, t4 = quad;
        int twp = tiling.twp, tw = tiling.tw;
        // ReLU or not is the floor of a max, not a branch between vectors (the JIT would box them)
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (int part = 0; part < 2; part++) {
            // a vector of tiles never crosses a tile row: twp is a whole number of vectors
            int first = q + part * L, ti = first / twp, tj = first - ti * twp, count = Math.min(L, tw - tj);
            if (ti >= rows || count <= 0) continue;
            int rowStart = 2 * (i0 + ti) * rowWidth + 2 * tj;
            for (int j = 0; j < OUTS; j++) {
                int o = tile * OUTS + j;
                if (o >= nOut) break;
                outputTile(m, (2 * j + part) * L, bias == null ? 0f : bias[bo + o], floor, tileRows, t4);
                int p = outOffset + o * outPlane + rowStart;
                for (int lane = 0; lane < count; lane++, p += 2) {
                    out[p] = t4[lane];
                    out[p + 1] = t4[L + lane];
                    out[p + rowWidth] = t4[2 * L + lane];
                    out[p + rowWidth + 1] = t4[3 * L + lane];
                }
            }
        }
    }

    /**
     * One vector of tiles of one output: t4 = [y00, y01, y10, y11] of Y = A^T M A + b, floored at
     * `floor`, from the sums m[xi * OUTS * BLOCK + at], with A^T M's rows in `rows` on the way. Its
     * own method, taking no vectors (see column); and no more than a few vectors live at a
     * time: with all eight rows of A^T M held at once the JIT allocated a box for some of them.
     */
    private static void outputTile(float[] m, int at, float b, float floor, float[] rows, float[] t4) {
        int xi1 = OUTS * BLOCK;
        for (int k = 0; k < 4; k++) {
            // column k of A^T M: top = m0 + m1 + m2, bottom = m1 - m2 - m3
            FloatVector m0 = FloatVector.fromArray(F, m, k * xi1 + at), m1 = FloatVector.fromArray(F, m, (4 + k) * xi1 + at);
            FloatVector m2 = FloatVector.fromArray(F, m, (8 + k) * xi1 + at), m3 = FloatVector.fromArray(F, m, (12 + k) * xi1 + at);
            m0.add(m1).add(m2).intoArray(rows, k * L);
            m1.sub(m2).sub(m3).intoArray(rows, (4 + k) * L);
        }
        for (int r = 0; r < 2; r++) {
            // row r of (A^T M) A: y0 = s0 + s1 + s2, y1 = s1 - s2 - s3
            FloatVector s0 = FloatVector.fromArray(F, rows, 4 * r * L), s1 = FloatVector.fromArray(F, rows, (4 * r + 1) * L);
            FloatVector s2 = FloatVector.fromArray(F, rows, (4 * r + 2) * L), s3 = FloatVector.fromArray(F, rows, (4 * r + 3) * L);
            s0.add(s1).add(s2).add(b).max(floor).intoArray(t4, 2 * r * L);
            s1.sub(s2).sub(s3).add(b).max(floor).intoArray(t4, (2 * r + 1) * L);
        }
    }

    // ---- backward-filter ----

    @Override public void backwardFilter(float[] x, int xo, int cin, int h, int w, float[] dy, int dyo, int cout,
                                         float[] dw, int dwo, float[] db, int dbo) {
        if (!winograd(cin, cout)) {
            direct.backwardFilter(x, xo, cin, h, w, dy, dyo, cout, dw, dwo, db, dbo);
            return;
        }
        int plane = h * w, cp = Conv3x3Kernels.roundUp(cout, BLOCK), outBlocks = cp / BLOCK, cinp = Conv3x3Kernels.roundUp(cin, OUTS);
        for (int co = 0; co < cout; co++) db[dbo + co] += planeSum(dy, dyo + co * plane, plane);
        Tiling tiling = tiling(h, w);
        transposeGradient(dy, dyo, cout, h, w, cp, tiling);
        int gradSize = 16 * cinp * cp;
        if (filterGrad.length < gradSize) filterGrad = new float[gradSize];
        Arrays.fill(filterGrad, 0, gradSize, 0f);
        for (int i0 = 0; i0 < tiling.th; i0 += tiling.bandRows) {
            int rows = Math.min(tiling.bandRows, tiling.th - i0), blocks = tiling.blocks(rows);
            inputTransform(x, xo, cin, cinp, h, w, tiling, i0, rows);
            gradientTransform(h, w, cp, tiling, i0, rows);
            float[] g = gradTransformed, v = transformed;
            int blockStride = blockStride(cinp), xiStride = xiStride(blocks, blockStride);
            int gradBlockStride = gradBlockStride(blocks), gradXiStride = xiStride(outBlocks, gradBlockStride);
            for (int xi = 0; xi < 16; xi++)
                for (int cb = 0; cb < outBlocks; cb++) {
                    int go = xi * gradXiStride + cb * gradBlockStride;
                    for (int c0 = 0; c0 < cinp; c0 += OUTS)
                        filter6(g, go, v, xi * xiStride + c0 * BLOCK, blockStride, blocks,
                                filterGrad, (xi * cinp + c0) * cp + cb * BLOCK, cp);
                }
        }
        float[] u = kernelTransformed, k = kernel;
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++) {
                for (int xi = 0; xi < 16; xi++) u[xi] = filterGrad[(xi * cinp + ci) * cp + co];
                kernelTransformAdjoint(u, k, rowsOfThree);
                int at = dwo + (co * cin + ci) * 9;
                for (int t = 0; t < 9; t++) dw[at + t] += k[t];
            }
    }

    /**
     * The gradient position-major over the plane padded to whole tiles and tile rows,
     * gradT[(r * 2 twp + c) * cp + co], zero outside the plane and past cout: the transform then
     * reads every tile the same way (a branch between vectors would make the JIT box them).
     */
    private void transposeGradient(float[] dy, int dyo, int cout, int h, int w, int cp, Tiling tiling) {
        int rowWidth = 2 * tiling.twp, size = 2 * tiling.th * rowWidth * cp, plane = h * w;
        if (gradT.length < size) gradT = new float[size];
        Arrays.fill(gradT, 0, size, 0f);
        // in stretches of a row, so that the stretch's cells stay in the L1 cache while every channel is read
        for (int r = 0; r < h; r++)
            for (int c0 = 0; c0 < w; c0 += TRANSPOSE_POSITIONS) {
                int c1 = Math.min(w, c0 + TRANSPOSE_POSITIONS), to = (r * rowWidth) * cp;
                for (int co = 0; co < cout; co++)
                    for (int c = c0, src = dyo + co * plane + r * w + c0; c < c1; c++, src++) gradT[to + c * cp + co] = dy[src];
            }
    }

    /**
     * (A dY A^T) for the band's tiles into gradTransformed[xi * xiStride + cb * blockStride + t * BLOCK + lane]
     * (zero for the padding tiles and those past the band's last), output channels in the
     * lanes. A dY A^T of a 2 x 2 gradient [a b; c d] has rows [a b], [a + c, b + d], [a - c, b - d],
     * [-c, -d], each row [x y] then becoming x, x + y, x - y, -y.
     */
    private void gradientTransform(int h, int w, int cp, Tiling tiling, int i0, int rows) {
        int outBlocks = cp / BLOCK, blocks = tiling.blocks(rows), n = blocks * BLOCK;
        int blockStride = gradBlockStride(blocks), xiStride = xiStride(outBlocks, blockStride), size = 16 * xiStride;
        if (gradTransformed.length < size) gradTransformed = new float[size];
        float[] g = gradT, out = gradTransformed;
        int rowWidth = 2 * tiling.twp;
        for (int t = rows * tiling.twp; t < n; t++)
            for (int xi = 0; xi < 16; xi++)
                for (int cb = 0; cb < outBlocks; cb++) {
                    int at = xi * xiStride + cb * blockStride + t * BLOCK;
                    Arrays.fill(out, at, at + BLOCK, 0f);
                }
        for (int li = 0; li < rows; li++) {
            int r = 2 * (i0 + li);
            for (int j = 0; j < tiling.twp; j++) {
                int c = 2 * j, t = li * tiling.twp + j;
                int p00 = (r * rowWidth + c) * cp;
                for (int lane0 = 0; lane0 < cp; lane0 += L)
                    gradientTile(g, p00 + lane0, cp, rowWidth * cp, out, (lane0 / BLOCK) * blockStride + t * BLOCK + lane0 % BLOCK, xiStride);
            }
        }
    }

    /**
     * One vector of output channels of one tile: the 2 x 2 gradient [a b; c d] at g[at], g[at + next],
     * g[at + down], g[at + down + next] gives A dY A^T, stored at out[xi * xiStride + to]. Its own
     * method, taking no vectors (see column).
     */
    private static void gradientTile(float[] g, int at, int next, int down, float[] out, int to, int xiStride) {
        FloatVector a = FloatVector.fromArray(F, g, at), b = FloatVector.fromArray(F, g, at + next);
        FloatVector c = FloatVector.fromArray(F, g, at + down), d = FloatVector.fromArray(F, g, at + down + next);
        // rows of A dY: [a b], [a + c, b + d], [a - c, b - d], [-c, -d]; each row [x y] times A^T: x, x + y, x - y, -y
        FloatVector x = a, y = b;
        x.intoArray(out, to); x.add(y).intoArray(out, xiStride + to); x.sub(y).intoArray(out, 2 * xiStride + to); y.neg().intoArray(out, 3 * xiStride + to);
        x = a.add(c); y = b.add(d);
        x.intoArray(out, 4 * xiStride + to); x.add(y).intoArray(out, 5 * xiStride + to); x.sub(y).intoArray(out, 6 * xiStride + to); y.neg().intoArray(out, 7 * xiStride + to);
        x = a.sub(c); y = b.sub(d);
        x.intoArray(out, 8 * xiStride + to); x.add(y).intoArray(out, 9 * xiStride + to); x.sub(y).intoArray(out, 10 * xiStride + to); y.neg().intoArray(out, 11 * xiStride + to);
        x = c.neg(); y = d.neg();
        x.intoArray(out, 12 * xiStride + to); x.add(y).intoArray(out, 13 * xiStride + to); x.sub(y).intoArray(out, 14 * xiStride + to); y.neg().intoArray(out, 15 * xiStride + to);
    }

    /**
     * acc[ao + j cp + (h L + lane)] += sum over tiles t of g[go + t BLOCK + h L + lane] times input
     * channel j's transformed tile t, which is v[vo + (t / BLOCK) blockStride + j BLOCK + t % BLOCK]:
     * 6 input channels x 2 vectors of output channels, all 12 sums in registers.
     */
    private static void filter6(float[] g, int go, float[] v, int vo, int blockStride, int blocks, float[] acc, int ao, int cp) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao), a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + cp), a11 = FloatVector.fromArray(F, acc, ao + cp + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * cp), a21 = FloatVector.fromArray(F, acc, ao + 2 * cp + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * cp), a31 = FloatVector.fromArray(F, acc, ao + 3 * cp + L);
        FloatVector a40 = FloatVector.fromArray(F, acc, ao + 4 * cp), a41 = FloatVector.fromArray(F, acc, ao + 4 * cp + L);
        FloatVector a50 = FloatVector.fromArray(F, acc, ao + 5 * cp), a51 = FloatVector.fromArray(F, acc, ao + 5 * cp + L);
        for (int qb = 0; qb < blocks; qb++) {
            int vb = vo + qb * blockStride, gb = go + qb * BLOCK * BLOCK;
            for (int lane = 0; lane < BLOCK; lane++) {
                int gi = gb + lane * BLOCK, vi = vb + lane;
                FloatVector g0 = FloatVector.fromArray(F, g, gi);
                FloatVector g1 = FloatVector.fromArray(F, g, gi + L);
                FloatVector b = FloatVector.broadcast(F, v[vi]);
                a00 = g0.fma(b, a00); a01 = g1.fma(b, a01);
                b = FloatVector.broadcast(F, v[vi + BLOCK]);
                a10 = g0.fma(b, a10); a11 = g1.fma(b, a11);
                b = FloatVector.broadcast(F, v[vi + 2 * BLOCK]);
                a20 = g0.fma(b, a20); a21 = g1.fma(b, a21);
                b = FloatVector.broadcast(F, v[vi + 3 * BLOCK]);
                a30 = g0.fma(b, a30); a31 = g1.fma(b, a31);
                b = FloatVector.broadcast(F, v[vi + 4 * BLOCK]);
                a40 = g0.fma(b, a40); a41 = g1.fma(b, a41);
                b = FloatVector.broadcast(F, v[vi + 5 * BLOCK]);
                a50 = g0.fma(b, a50); a51 = g1.fma(b, a51);
            }
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + L);
        a10.intoArray(acc, ao + cp); a11.intoArray(acc, ao + cp + L);
        a20.intoArray(acc, ao + 2 * cp); a21.intoArray(acc, ao + 2 * cp + L);
        a30.intoArray(acc, ao + 3 * cp); a31.intoArray(acc, ao + 3 * cp + L);
        a40.intoArray(acc, ao + 4 * cp); a41.intoArray(acc, ao + 4 * cp + L);
        a50.intoArray(acc, ao + 5 * cp); a51.intoArray(acc, ao + 5 * cp + L);
    }

    /** k = G^T u G, the adjoint of {@link #kernelTransform}: u 4 x 4 and k 3 x 3, row-major; ug scratch of 12. */
    static void kernelTransformAdjoint(float[] u, float[] k, float[] ug) {
        // ug = u G: 4 x 3
        for (int r = 0; r < 4; r++) {
            float a = u[4 * r], b = u[4 * r + 1], c = u[4 * r + 2], d = u[4 * r + 3];
            ug[3 * r] = a + 0.5f * (b + c);
            ug[3 * r + 1] = 0.5f * (b - c);
            ug[3 * r + 2] = 0.5f * (b + c) + d;
        }
        for (int col = 0; col < 3; col++) {
            float a = ug[col], b = ug[3 + col], c = ug[6 + col], d = ug[9 + col];
            k[col] = a + 0.5f * (b + c);
            k[3 + col] = 0.5f * (b - c);
            k[6 + col] = 0.5f * (b + c) + d;
        }
    }

    private static float planeSum(float[] a, int from, int n) {
        FloatVector sum = FloatVector.zero(F);
        int whole = n / L * L;
        for (int i = 0; i < whole; i += L) sum = sum.add(FloatVector.fromArray(F, a, from + i));
        float s = sum.reduceLanes(VectorOperators.ADD);
        for (int i = whole; i < n; i++) s += a[from + i];
        return s;
    }

    private static int ceilDiv(int n, int d) { return (n + d - 1) / d; }
}
