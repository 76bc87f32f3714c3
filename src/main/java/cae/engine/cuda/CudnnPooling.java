package cae.engine.cuda;

import jcuda.Pointer;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnPoolingDescriptor;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.jcudnn.JCudnn.*;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnNanPropagation.CUDNN_NOT_PROPAGATE_NAN;
import static jcuda.jcudnn.cudnnPoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NCHW;

/**
 * The 2x2 stride-2 max-pool forward through cuDNN, where it is TensorFlow's SAME pool: cuDNN pads
 * symmetrically, which is SAME only when both sizes are even (the engine's kernel takes the others).
 * The backward is always the engine's kernel: cuDNN does not document which of tied maxima gets the
 * gradient, and ReLU outputs tie often.
 */
final class CudnnPooling implements AutoCloseable {
    private final cudnnHandle handle;
    private final cudnnPoolingDescriptor pooling = new cudnnPoolingDescriptor();
    private final Map<List<Integer>, cudnnTensorDescriptor> descriptors = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});

    CudnnPooling(cudnnHandle handle) {
        this.handle = handle;
        Check.cudnn(cudnnCreatePoolingDescriptor(pooling), "cudnnCreatePoolingDescriptor");
        Check.cudnn(cudnnSetPooling2dDescriptor(pooling, CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN, 2, 2, 0, 0, 2, 2),
                "cudnnSetPooling2dDescriptor");
    }

    /** Whether cuDNN's pool of x is the SAME pool: both sizes even. */
    static boolean takes(CudaTensor x) { return x.h() % 2 == 0 && x.w() % 2 == 0; }

    /** y = the max-pool of x, overwritten. */
    void forward(CudaTensor x, CudaTensor y) {
        Check.cudnn(cudnnPoolingForward(handle, pooling, one, descriptor(x), x.ptr, zero, descriptor(y), y.ptr), "cudnnPoolingForward");
    }

    private cudnnTensorDescriptor descriptor(CudaTensor t) {
        List<Integer> key = List.of(t.n(), t.c(), t.h(), t.w());
        cudnnTensorDescriptor d = descriptors.get(key);
        if (d == null) {
            d = new cudnnTensorDescriptor();
            Check.cudnn(cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
            Check.cudnn(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, t.n(), t.c(), t.h(), t.w()),
                    "cudnnSetTensor4dDescriptor" + key);
            descriptors.put(key, d);
        }
        return d;
    }

    @Override public void close() {
        for (cudnnTensorDescriptor d : descriptors.values()) cudnnDestroyTensorDescriptor(d);
        descriptors.clear();
        cudnnDestroyPoolingDescriptor(pooling);
    }
}
