package cae.engine.cpu;

/**
 * The 3x3 SAME convolution on the worker pool, one sample per task: the forward pass, then the
 * backward pass (ReLU mask, dx, and the sample's partial weight and bias gradients), then the
 * partials summed in {@link GradientBlocks}' fixed order. The arithmetic is {@link ConvKernels}'.
 */
final class Convolution {
    private final WorkerPool pool;
    private final ConvKernels[] kernels;
    private final boolean vectors;
    private final GradientBlocks gradients;
    private final Forward forward = new Forward();
    private final Backward backward = new Backward();

    Convolution(WorkerPool pool, ConvKernels[] kernels, boolean vectors, GradientBlocks gradients) {
        this.pool = pool;
        this.kernels = kernels;
        this.vectors = vectors;
        this.gradients = gradients;
    }

    private final class Forward implements WorkerPool.Task {
        CpuTensor x, weight, bias, y; boolean relu;

        @Override public void run(int s, int worker) {
            int cin = x.c(), h = x.h(), w = x.w(), cout = y.c();
            kernels[worker].forward(x.data, x.offset + s * cin * h * w, cin, h, w,
                    weight.data, weight.offset, bias.data, bias.offset, cout,
                    y.data, y.offset + s * cout * h * w, relu);
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
            int cin = x.c(), h = x.h(), w = x.w(), cout = dy.c(), plane = h * w;
            int dyo = dy.offset + s * cout * plane;
            if (dx != null)
                kernels[worker].backwardData(dy.data, dyo, cout, h, w, weight.data, weight.offset, cin,
                        dx.data, dx.offset + s * cin * plane);
            kernels[worker].backwardFilter(x.data, x.offset + s * cin * plane, cin, h, w, dy.data, dyo, cout,
                    partials, partial, partials, partial + cout * cin * 9);
        }
    }

    /** dy is masked in place with ReLU; dx may be null; dWeight and dBias are overwritten. */
    void backward(CpuTensor x, CpuTensor weight, CpuTensor y, CpuTensor dy, boolean relu,
                  CpuTensor dx, CpuTensor dWeight, CpuTensor dBias) {
        Backward b = backward;
        b.x = x; b.weight = weight; b.dy = dy; b.dx = dx;
        gradients.backward(pool, vectors, y, dy, relu, b, 0, dWeight, dBias);
    }
}
