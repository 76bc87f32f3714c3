package cae.engine.cuda;

/**
 * The numbers the kernels (kernels/*.cuh, kernels/*.cu) and the Java side must agree on, each named
 * after its C++ twin. Java and CUDA cannot share source: KernelConstantsTest asks the kernels compiled
 * for the CPU emulation for theirs and compares.
 */
final class KernelConstants {
    private KernelConstants() {}

    /** cae::kReduceThreads: threads per block of every launch; the reducing kernels trap with any other count. */
    static final int THREADS = 256;

    /** cae::kBiasChunk: the cells of one channel that one block of a per-channel sum takes. */
    static final int BIAS_CHUNK = 2048;

    /** cae::kStepWords: the 64-bit words step_scalars_set takes by value. */
    static final int STEP_WORDS = 16;

    /** cae::kThinSums: the sums per (chunk, channel) of the thin convolutions' weight gradient, 9 taps and the bias. */
    static final int THIN_SUMS = 10;

    /** cae::kDirectGroup: output channels per thread of the direct convolution, and per blockIdx.y. */
    static final int DIRECT_GROUP = 4;

    /** cae::kDirectMaxIn: the input channels the direct convolution's staged weights hold. */
    static final int DIRECT_MAX_IN = 128;

    /** cae::kWgradMaxChannels: the channels each side the direct weight gradient takes. */
    static final int WGRAD_MAX_CHANNELS = 32;

    /** cae::kWgradTileRows: the rows of one tile of the direct weight gradient. */
    static final int WGRAD_TILE_ROWS = 4;

    /** cae::kCropStream: the Philox counter stream of the crops and flips, {@link cae.engine.Philox#CROP_STREAM}. */
    static final int CROP_STREAM = cae.engine.Philox.CROP_STREAM;

    /** cae::kNoiseNone, kNoiseGaussian, kNoiseSaltPepper, kNoiseMask: each {@link cae.engine.Noise.Kind} as the gather kernel takes it. */
    static final int NOISE_NONE = 0, NOISE_GAUSSIAN = 1, NOISE_SALT_PEPPER = 2, NOISE_MASK = 3;
}
