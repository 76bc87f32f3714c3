// The weight gradient of a 3x3 SAME convolution computed directly from x and dy: im2col folded into
// the product, so no column buffer.
#include "common.cuh"

namespace cae {

// dW[co][ci][tap] = sum over samples s and cells (r, c) of dy[s][co][r][c] * x[s][ci][r + ky - 1][c + kx - 1],
// summed directly from x instead of from im2col's columns. Each block takes a run of samples and a run
// of row tiles of each (tiles of kWgradTileRows x kWgradTileCols cells); its partial sums go to one row
// of a partials matrix, whose rows are then summed in order. Channels up to kWgradMaxChannels each side.
constexpr int kWgradTileRows = 4, kWgradTileCols = 32, kWgradMaxChannels = 32, kWgradCoGroup = 4;

// The blocks of a launch are every run of samples_per_block samples times every run of tiles_per_block
// row tiles, sample runs outermost (DirectWeightGradient.split counts them); this is the row runs.
CAE_HD int wgrad_row_runs(int h, int tiles_per_block) {
    int row_tiles = (h + kWgradTileRows - 1) / kWgradTileRows;
    return (row_tiles + tiles_per_block - 1) / tiles_per_block;
}

// Block b's samples [s0, s1) and image rows [r0, r1).
struct WgradRange { int s0, s1, r0, r1; };

CAE_HD WgradRange wgrad_range(int b, int n, int h, int samples_per_block, int tiles_per_block) {
    int runs = wgrad_row_runs(h, tiles_per_block), sample_run = b / runs, row_run = b - sample_run * runs;
    int s0 = sample_run * samples_per_block, r0 = row_run * tiles_per_block * kWgradTileRows;
    return {s0, imin(n, s0 + samples_per_block), r0, imin(h, r0 + tiles_per_block * kWgradTileRows)};
}

// Column o of a rows x stride matrix summed in row order (the partial sums of one output).
CAE_HD float column_sum(const float* m, int rows, int stride, int o) {
    float sum = 0.f;
    for (int r = 0; r < rows; ++r) sum += m[(size_t)r * stride + o];
    return sum;
}

}  // namespace cae

// Grid = ceil(n / samples_per_block) * cae::wgrad_row_runs(h, tiles_per_block) blocks of 256 threads,
// each over its samples and row tiles (cae::wgrad_range); cin, cout <= cae::kWgradMaxChannels.
// Thread g < ceil(cout / 4) * cin owns input channel ci = g / groups_of_co and output channels
// 4 (g % groups_of_co) .. + 3, all nine taps: 36 sums, kept in registers over the block's samples.
// Each tile of x (with a one-cell halo, zeros outside the image) and of dy goes through shared memory.
// partials[block][(co * cin + ci) * 9 + tap] = the block's sums, each in the order sample, row tile,
// column tile, row, column.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
conv3x3_weight_grad_partials(const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ partials,
                             int n, int cin, int cout, int h, int w, int samples_per_block, int tiles_per_block) {
    constexpr int R = cae::kWgradTileRows, TW = cae::kWgradTileCols, C = cae::kWgradMaxChannels, G = cae::kWgradCoGroup;
    // A warp's threads read the same cell of different channels, 4 apart in ds: an odd channel stride
    // (R TW + 1) puts them in different banks. xs's stride, (R + 2)(TW + 2) = 204, spreads the 4 to 8
    // input channels a warp reads at 32 or 16 output channels over different banks too.
    __shared__ float xs[C][R + 2][TW + 2];
    __shared__ float ds[C][R * TW + 1];
    if (blockDim.x != cae::kReduceThreads) __trap();
    cae::WgradRange range = cae::wgrad_range(blockIdx.x, n, h, samples_per_block, tiles_per_block);
    int co_groups = (cout + G - 1) / G, g = threadIdx.x;
    bool active = g < co_groups * cin;
    int co0 = (g % co_groups) * G, ci = g / co_groups;
    float acc[G][9];
    CAE_UNROLL
    for (int j = 0; j < G; ++j)
        CAE_UNROLL
        for (int tap = 0; tap < 9; ++tap) acc[j][tap] = 0.f;

    for (int s = range.s0; s < range.s1; ++s)
        for (int rt = range.r0; rt < range.r1; rt += R)
            for (int ct = 0; ct < w; ct += TW) {
                int rows = cae::imin(R, h - rt), cols = cae::imin(TW, w - ct);
                for (int i = threadIdx.x; i < cin * (R + 2) * (TW + 2); i += blockDim.x) {
                    int ch = i / ((R + 2) * (TW + 2)), rest = i - ch * (R + 2) * (TW + 2);
                    int rr = rest / (TW + 2), cc = rest - rr * (TW + 2);
                    int yy = rt + rr - 1, xx = ct + cc - 1;
                    xs[ch][rr][cc] = yy >= 0 && yy < h && xx >= 0 && xx < w ? x[(((size_t)s * cin + ch) * h + yy) * w + xx] : 0.f;
                }
                for (int i = threadIdx.x; i < cout * R * TW; i += blockDim.x) {
                    int ch = i / (R * TW), rest = i - ch * R * TW, rr = rest / TW, cc = rest - rr * TW;
                    ds[ch][rest] = rr < rows && cc < cols ? dy[(((size_t)s * cout + ch) * h + rt + rr) * w + ct + cc] : 0.f;
                }
                __syncthreads();
                if (active)
                    for (int r = 0; r < rows; ++r)
                        for (int c = 0; c < cols; ++c) {
                            float d[G];
                            CAE_UNROLL
                            for (int j = 0; j < G; ++j) d[j] = co0 + j < cout ? ds[co0 + j][r * TW + c] : 0.f;
                            CAE_UNROLL
                            for (int tap = 0; tap < 9; ++tap) {
                                float xv = xs[ci][r + tap / 3][c + tap % 3];
                                CAE_UNROLL
                                for (int j = 0; j < G; ++j) acc[j][tap] += d[j] * xv;
                            }
                        }
                __syncthreads();
            }

    if (!active) return;
    float* out = partials + (size_t)blockIdx.x * cout * cin * 9;
    CAE_UNROLL
    for (int j = 0; j < G; ++j)
        if (co0 + j < cout)
            CAE_UNROLL
            for (int tap = 0; tap < 9; ++tap) out[((co0 + j) * cin + ci) * 9 + tap] = acc[j][tap];
}

// dweight[o] = the sum of partials[0 .. blocks)[o] in block order, for o < outputs (= cout cin 9).
extern "C" __global__ void conv3x3_weight_grad_reduce(const float* __restrict__ partials, int blocks,
                                                      float* __restrict__ dweight, int outputs) {
    CAE_FOR_EACH(o, outputs) dweight[o] = cae::column_sum(partials, blocks, outputs, o);
}
