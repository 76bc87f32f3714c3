package cae.engine.cpu;

/**
 * The nearest decoder's up stage (resize to twice the size, rounded to the target, then a 3x3 SAME
 * convolution) on the worker pool, one sample per task, from the small input: forward, then the
 * backward pass (ReLU mask, the small input's gradient and the sample's partial weight and bias
 * gradients), the partials summed in {@link GradientBlocks}' fixed order. The arithmetic is
 * {@link UpsampledConvKernels}'.
 */
final class UpsampledConvolution {
    private final WorkerPool pool;
    private final UpsampledConvKernels[] kernels;
    private final GradientBlocks gradients;
    private final Forward forward = new Forward();
    private final Backward backward = new Backward();

    UpsampledConvolution(WorkerPool pool, UpsampledConvKernels[] kernels, GradientBlocks gradients) {
        this.pool = pool;
        this.kernels = kernels;
        this.gradients = gradients;
    }

    /** Whether x resizes to y's size by the rule the kernels compute: each side ceil(half) of y's. */
    static boolean fits(CpuTensor x, CpuTensor y) { return x.h() == (y.h() + 1) / 2 && x.w() == (y.w() + 1) / 2; }

    private final class Forward implements WorkerPool.Task {
        CpuTensor x, weight, bias, y; boolean relu;

        @Override public void run(int s, int worker) {
            int cin = x.c(), cout = y.c(), h = y.h(), w = y.w();
            kernels[worker].forward(x.data, x.offset + s * cin * x.h() * x.w(), cin, h, w,
                    weight.data, weight.offset, bias.data, bias.offset, cout, y.data, y.offset + s * cout * h * w, relu);
        }
    }

    void forward(CpuTensor x, CpuTensor weight, CpuTensor bias, CpuTensor y, boolean relu) {
        Forward f = forward;
        f.x = x; f.weight = weight; f.bias = bias; f.y = y; f.relu = relu;
        pool.forEach(x.n(), f);
    }

    private final class Backward implements GradientBlocks.SampleBody {
        CpuTensor x, weight, dy, dx;

        @Override public void run(int s, int worker, float[] partials, int partial) {
            int cin = x.c(), cout = dy.c(), h = dy.h(), w = dy.w(), small = x.h() * x.w();
            kernels[worker].backward(x.data, x.offset + s * cin * small, cin, h, w, weight.data, weight.offset,
                    dy.data, dy.offset + s * cout * h * w, cout, dx.data, dx.offset + s * cin * small,
                    partials, partial, partials, partial + cout * cin * 9);
        }
    }

    /** dy is masked in place with ReLU; dx, dWeight and dBias are overwritten. */
    void backward(CpuTensor x, CpuTensor weight, CpuTensor y, CpuTensor dy, boolean relu,
                  CpuTensor dx, CpuTensor dWeight, CpuTensor dBias) {
        Backward b = backward;
        b.x = x; b.weight = weight; b.dy = dy; b.dx = dx;
        gradients.backward(pool, true, y, dy, relu, b, 0, dWeight, dBias);
    }
}
