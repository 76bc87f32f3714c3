package cae.engine.cuda.bench;

import cae.engine.cuda.Check;
import cae.engine.cuda.CudaEngine;
import cae.engine.cuda.CudaException;
import cae.engine.cuda.CudnnAlgorithms;
import cae.engine.cuda.DeviceLoan;

import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NHWC;

/**
 * Whether NHWC tensors (with TF32 tensor cores for the 32-channel layers) would pay, measured before
 * any change of layout ({@code bench --layout-probe}): for each convolution shape, cuDNN's Find ranks its algorithms for each direction
 * with the tensors and filter described as NCHW (the engine's layout) and as NHWC, and the algorithm
 * the engine's rule would take from each ranking ({@link CudnnAlgorithms}: deterministic, within the
 * workspace limit) is reported with Find's time (one run each, cuDNN's own timing). Beside them, what
 * cudnnTransformTensor takes to turn the layer's input into NHWC and its output back, which an NHWC
 * layer inside the NCHW engine would add to its forward pass (its backward would add about as much
 * again, for dy and dx), timed as the engine times its choices.
 */
public final class LayoutProbe {
    private LayoutProbe() {}

    /**
     * The probe over convolution shapes {n, cin, cout, h, w} at the engine's precision: one line per
     * shape and direction, a header and a total. Waits for the device; not inside a step.
     */
    public static List<String> run(CudaEngine engine, List<int[]> shapes) {
        try (DeviceLoan device = engine.lend("the layout probe")) {
            if (device.cudnn() == null) return List.of("layout probe: needs cuDNN (this engine runs --conv gemm)");
            return run(device, shapes.toArray(int[][]::new));
        }
    }

    private static List<String> run(DeviceLoan device, int[][] shapes) {
        cudnnHandle handle = device.cudnn();
        boolean tf32 = device.tf32();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "layout probe (cuDNN Find, %s): %-28s %-16s %10s %10s %10s %14s",
                tf32 ? "TF32 allowed" : "strict FP32", "shape (n x in->out, h x w)", "direction", "NCHW us", "NHWC us", "NHWC/NCHW",
                "transforms us"));
        double[] nchwSums = new double[3], nhwcSums = new double[3];
        double transformsSum = 0;
        for (int[] s : shapes) {
            int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
            String shape = n + "x" + cin + "->" + cout + " " + h + "x" + w;
            try (Layout nchw = new Layout(CUDNN_TENSOR_NCHW, n, cin, cout, h, w, tf32);
                 Layout nhwc = new Layout(CUDNN_TENSOR_NHWC, n, cin, cout, h, w, tf32)) {
                double transformsUs;
                try {
                    transformsUs = transformMicros(device, nchw, nhwc, n, cin, cout, h, w);
                } catch (CudaException e) {  // the Finds below are still worth having
                    transformsUs = Double.NaN;
                    lines.add("# layout probe: the transposes of " + shape + " were not timed: " + e.getMessage());
                }
                transformsSum += transformsUs;
                String[] directions = {"forward", "backward data", "backward filter"};
                for (int d = 0; d < 3; d++) {
                    double a = nchw.find(handle, d, shape), b = nhwc.find(handle, d, shape);
                    nchwSums[d] += a;
                    nhwcSums[d] += b;
                    lines.add(String.format(Locale.ROOT, "layout probe: %-28s %-16s %10.1f %10.1f %10.2f %14s", shape, directions[d], a, b,
                            b / a, d == 0 ? String.format(Locale.ROOT, "%.1f", transformsUs) : ""));
                }
            }
        }
        lines.add(total(shapes.length, nchwSums, nhwcSums, transformsSum));
        return lines;
    }

    /**
     * The verdict over all shapes: the three directions summed per layout, and what an NHWC step would
     * save with the transposes (an NHWC layer inside the NCHW engine: forward's input and output, and
     * about as much again for the backward's dy and dx) and without them (every kernel NHWC). NaN where
     * a layout had no algorithm the engine would take, or a transpose was not timed.
     */
    static String total(int shapes, double[] nchwSums, double[] nhwcSums, double transformsSum) {
        double nchw = nchwSums[0] + nchwSums[1] + nchwSums[2], nhwc = nhwcSums[0] + nhwcSums[1] + nhwcSums[2];
        double transposes = 2 * transformsSum;
        return String.format(Locale.ROOT, "layout probe total over %d shapes: NCHW %.1f us, NHWC %.1f us (%.2f); "
                        + "an NHWC step would save %.1f us with every kernel NHWC, %.1f us with transposes (%.1f us) around NCHW kernels",
                shapes, nchw, nhwc, nhwc / nchw, nchw - nhwc, nchw - nhwc - transposes, transposes);
    }

    /** NCHW -> NHWC of the input and NHWC -> NCHW of the output, per pass. */
    private static double transformMicros(DeviceLoan device, Layout nchw, Layout nhwc, int n, int cin, int cout, int h, int w) {
        cudnnHandle handle = device.cudnn();
        long floats = (long) n * Math.max(cin, cout) * h * w;
        Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
        CUdeviceptr a = device.allocate(floats * Float.BYTES, "the layout probe's source"), b = null;
        try {
            b = device.allocate(floats * Float.BYTES, "the layout probe's target");
            CUdeviceptr target = b;
            return 1000 * device.choiceMillis(() -> {
                Check.cudnn(cudnnTransformTensor(handle, one, nchw.x, a, zero, nhwc.x, target), "cudnnTransformTensor(x to NHWC)");
                Check.cudnn(cudnnTransformTensor(handle, one, nhwc.y, target, zero, nchw.y, a), "cudnnTransformTensor(y to NCHW)");
            });
        } finally {
            device.free(a);
            if (b != null) device.free(b);
        }
    }

    /** A convolution's descriptors in one layout. */
    private static final class Layout implements AutoCloseable {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor(), y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor filter = new cudnnFilterDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        final boolean tf32;

        Layout(int format, int n, int cin, int cout, int h, int w, boolean tf32) {
            this.tf32 = tf32;
            try {
                describe(format, n, cin, cout, h, w);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void describe(int format, int n, int cin, int cout, int h, int w) {
            Check.cudnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnCreateFilterDescriptor(filter), "cudnnCreateFilterDescriptor");
            Check.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
            Check.cudnn(cudnnSetTensor4dDescriptor(x, format, CUDNN_DATA_FLOAT, n, cin, h, w), "cudnnSetTensor4dDescriptor(x)");
            Check.cudnn(cudnnSetTensor4dDescriptor(y, format, CUDNN_DATA_FLOAT, n, cout, h, w), "cudnnSetTensor4dDescriptor(y)");
            Check.cudnn(cudnnSetFilter4dDescriptor(filter, CUDNN_DATA_FLOAT, format, cout, cin, 3, 3), "cudnnSetFilter4dDescriptor");
            Check.cudnn(cudnnSetConvolution2dDescriptor(conv, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                    "cudnnSetConvolution2dDescriptor");
            Check.cudnn(cudnnSetConvolutionMathType(conv, tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
        }

        /**
         * Find's time, in microseconds, of the entry the engine would take for direction d (0 forward, 1
         * data, 2 filter); NaN when cuDNN offers none it could take in this layout.
         */
        double find(cudnnHandle handle, int direction, String shape) {
            String what = "the layout probe's " + shape;
            try {
                CudnnAlgorithms.Choice c = switch (direction) {
                    case 0 -> CudnnAlgorithms.forward(handle, x, filter, conv, y, tf32, what);
                    case 1 -> CudnnAlgorithms.backwardData(handle, filter, y, conv, x, tf32, what);
                    default -> CudnnAlgorithms.backwardFilter(handle, x, y, conv, filter, tf32, what);
                };
                return c.microseconds();
            } catch (CudaException noAlgorithm) {
                return Double.NaN;
            }
        }

        @Override public void close() {
            cudnnDestroyTensorDescriptor(x);
            cudnnDestroyTensorDescriptor(y);
            cudnnDestroyFilterDescriptor(filter);
            cudnnDestroyConvolutionDescriptor(conv);
        }
    }
}
