package cae.engine.cuda;

import jcuda.jcudnn.cudnnHandle;

/**
 * The transposed convolution through cuDNN, as the three passes of the forward convolution A (3x3, pad 1,
 * stride 2) from the large grid (y, Cout channels) to the small one (x, Cin channels), whose filter
 * K = Cin, C = Cout is exactly our (Cin, Cout, 3, 3) weight ({@link CudnnPlans}, the plan from y to x):
 * <ul>
 *   <li>y = A^T x: A's backward data with x as A's output gradient;</li>
 *   <li>dx = A dy: A's forward of dy;</li>
 *   <li>dW: A's backward filter with dy as A's input and x as its output gradient.</li>
 * </ul>
 * A maps OH = 2H - 1 or 2H to floor((OH + 2 - 3) / 2) + 1 = H, so every y size the engine allows has
 * the x size it was given (the plan checks it with cuDNN).
 */
final class CudnnTransposedConvolution implements Convolution {
    private final CudnnPlans plans;

    CudnnTransposedConvolution(cudnnHandle handle, DeviceMemory memory, boolean tf32) {
        this.plans = new CudnnPlans(handle, memory, tf32, 2, "transposed convolution");
    }

    /** A's plan: from the large grid (y or dy) to the small one (x). */
    private CudnnPlans.Plan plan(CudaTensor x, CudaTensor y) { return plans.plan(y, x, "the transposed convolution"); }

    @Override public void forward(CudaTensor x, CudaTensor weight, CudaTensor y) {
        plans.backwardData(plan(x, y), weight.ptr, x.ptr, y.ptr, "cudnnConvolutionBackwardData(transposed forward)");
    }

    @Override public void backward(CudaTensor x, CudaTensor weight, CudaTensor dy, CudaTensor dx, CudaTensor dWeight) {
        CudnnPlans.Plan p = plan(x, dy);
        if (dx != null) plans.forward(p, dy.ptr, weight.ptr, dx.ptr, "cudnnConvolutionForward(transposed dx)");
        plans.backwardFilter(p, dy.ptr, x.ptr, dWeight.ptr, "cudnnConvolutionBackwardFilter(transposed dW)");
    }

    @Override public String describe() {
        StringBuilder sb = new StringBuilder("transposed: cuDNN, ").append(plans.math());
        // the plan's input is the large grid (y), its output the small one (x)
        plans.forEach((s, p) -> sb.append("; ").append(s.oc()).append("->").append(s.c()).append(' ')
                .append(s.oh()).append('x').append(s.ow()).append("->").append(s.h()).append('x').append(s.w())
                .append(": y by bwd data ").append(p.backwardData).append(", dx by fwd ").append(p.forward).append(", dW by bwd filter ").append(p.backwardFilter));
        return sb.toString();
    }

    @Override public void close() { plans.close(); }
}
