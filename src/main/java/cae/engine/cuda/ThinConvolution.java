package cae.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The 3x3 convolutions with one input channel (conv1) or one output channel (the logits), computed by
 * the project's kernels (kernels/thin_conv.cu) instead of cuDNN or cuBLAS: bias and ReLU in the
 * forward pass, and the ReLU mask, weight and bias gradients in one pass over dy in the backward.
 * These layers do about 45 MFLOP each at batch 100, too little per output for the libraries' tiles.
 *
 * <p>Whether a shape takes them is the {@link CudaEngine.ThinConv}: never, always (where the shape is thin), or
 * {@code AUTO}: both ways are timed with CUDA events on the real tensors when the shape is first seen,
 * per direction, and the faster is kept.
 */
final class ThinConvolution {

    private final CudaEngine.ThinConv use;
    private final Kernels kernels;
    private final CUstream stream;
    private final DeviceMemory.Scratch partials;
    private final Map<String, Boolean> chosen = new LinkedHashMap<>();
    private final Map<String, String> timings = new LinkedHashMap<>();

    ThinConvolution(CudaEngine.ThinConv use, Kernels kernels, DeviceMemory memory, CUstream stream) {
        this.use = use;
        this.kernels = kernels;
        this.stream = stream;
        this.partials = memory.new Scratch("the thin convolutions' partial sums");
    }

    static boolean fits(CudaTensor x, CudaTensor y) { return x.c() == 1 || y.c() == 1; }

    /**
     * Runs one direction of the convolution from x to y, bias and ReLU included: this class's kernels
     * ({@code ours}) or the engine's other way ({@code library}), as the setting says; under AUTO the
     * first call for a shape and direction times both.
     */
    void run(String direction, CudaTensor x, CudaTensor y, Runnable library, Runnable ours) {
        if (use == CudaEngine.ThinConv.OFF || !fits(x, y)) {
            library.run();
            return;
        }
        if (use == CudaEngine.ThinConv.ON) {
            ours.run();
            return;
        }
        String key = direction + " " + x.n() + "x" + x.c() + "->" + y.c() + " " + x.h() + "x" + x.w();
        Boolean thin = chosen.get(key);
        if (thin == null) {
            double libraryMs = EventTimer.medianMillis(stream, 3, 5, library);
            double oursMs = EventTimer.medianMillis(stream, 3, 5, ours);
            thin = oursMs < libraryMs;
            chosen.put(key, thin);
            timings.put(key, String.format(Locale.ROOT, "thin %.1f us, library %.1f us", oursMs * 1000, libraryMs * 1000));
        }
        (thin ? ours : library).run();
    }

    /** y = ReLU?(conv(x, weight) + bias), overwritten. */
    void forward(CudaTensor x, CudaTensor weight, CudaTensor bias, CudaTensor y, boolean relu) {
        boolean oneIn = x.c() == 1;
        int c = oneIn ? y.c() : x.c();
        kernels.launch(oneIn ? "thin_conv_in1_forward" : "thin_conv_out1_forward", Kernels.blocksFor(y.size()),
                Kernels.arg(x.ptr), Kernels.arg(weight.ptr), Kernels.arg(bias.ptr), Kernels.arg(y.ptr),
                Kernels.arg(x.n()), Kernels.arg(c), Kernels.arg(x.h()), Kernels.arg(x.w()), Kernels.arg(relu ? 1 : 0));
    }

    /**
     * The whole backward pass, with the contract of Engine.conv3x3Backward: dy masked where y <= 0 when
     * relu (written back only when dx is wanted), dWeight and dBias overwritten, dx (may be null) too.
     */
    void backward(CudaTensor x, CudaTensor weight, CudaTensor y, CudaTensor dy, boolean relu,
                  CudaTensor dx, CudaTensor dWeight, CudaTensor dBias) {
        boolean oneIn = x.c() == 1;
        int n = x.n(), c = oneIn ? dy.c() : x.c(), h = x.h(), w = x.w();
        int chunks = Kernels.biasChunks(n, h * w);
        CUdeviceptr sums = partials.atLeast((long) c * SUMS * chunks * Float.BYTES);
        kernels.launch("thin_conv_weight_grad_partials", chunks, c,
                Kernels.arg(x.ptr), relu ? Kernels.arg(y.ptr) : Kernels.nullArg(), Kernels.arg(dy.ptr), Kernels.arg(sums),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(h), Kernels.arg(w),
                Kernels.arg(oneIn ? 1 : 0), Kernels.arg(relu ? 1 : 0), Kernels.arg(dx != null ? 1 : 0));
        kernels.launch("thin_conv_weight_grad_reduce", c * SUMS,
                Kernels.arg(sums), Kernels.arg(chunks), Kernels.arg(dWeight.ptr), Kernels.arg(dBias.ptr), Kernels.arg(oneIn ? 1 : 0));
        if (dx == null) return;
        kernels.launch(oneIn ? "thin_conv_in1_backward_data" : "thin_conv_out1_backward_data", Kernels.blocksFor(dx.size()),
                Kernels.arg(dy.ptr), Kernels.arg(weight.ptr), Kernels.arg(dx.ptr),
                Kernels.arg(n), Kernels.arg(c), Kernels.arg(h), Kernels.arg(w));
    }

    /** cae::kThinSums: the 9 taps and the bias, summed per (chunk, channel). */
    private static final int SUMS = 10;

    /** The setting and, under AUTO, each shape's timing and choice. */
    String describe() {
        StringBuilder sb = new StringBuilder("thin convolutions ").append(use.name().toLowerCase(Locale.ROOT));
        chosen.forEach((key, thin) -> sb.append("; ").append(key).append(": ").append(thin ? "thin" : "library")
                .append(" [").append(timings.get(key)).append(']'));
        return sb.toString();
    }
}
