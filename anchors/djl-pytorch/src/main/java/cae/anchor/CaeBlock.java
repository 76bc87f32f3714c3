package cae.anchor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The autoencoder of docs/SPEC.md §2 as a DJL block, layer for layer the model of anchors/torch_cae.py: seven 3x3
 * convolutions (padding 1, with bias), ReLU after all but the last, 2x2 max pooling with ceil mode
 * (28 -> 14 -> 7 -> 4) and nearest-neighbour resizing back to the recorded encoder sizes (4 -> 7 -> 14 -> 28).
 * The output is logits; the loss applies the sigmoid.
 *
 * <p>With {@code groupedLogits} the last convolution (32 channels in, 1 out) runs as a 32-group depthwise
 * convolution followed by a sum over channels: the same arithmetic, but a different oneDNN kernel. It exists
 * because libtorch 2.7.1's input gradient of a convolution with one output channel comes out wrong on this
 * machine (see README), which poisons every gradient below the last layer.
 */
final class CaeBlock extends AbstractBlock {

    /** torch.nn.functional.interpolate's mode "nearest" in DJL's PyTorch engine. */
    private static final int NEAREST = 0;

    private final Conv2d conv1 = addChildBlock("conv1", conv(32));
    private final Conv2d conv2 = addChildBlock("conv2", conv(32));
    private final Conv2d conv3 = addChildBlock("conv3", conv(16));
    private final Conv2d conv4 = addChildBlock("conv4", conv(16));
    private final Conv2d conv5 = addChildBlock("conv5", conv(32));
    private final Conv2d conv6 = addChildBlock("conv6", conv(32));
    private final Conv2d logits = addChildBlock("logits", conv(1));

    private final boolean groupedLogits;

    CaeBlock(boolean groupedLogits) {
        this.groupedLogits = groupedLogits;
    }

    private static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray h1 = Activation.relu(apply(conv1, ps, x, training));
        NDArray h2 = Activation.relu(apply(conv2, ps, pool(h1), training));
        NDArray h3 = Activation.relu(apply(conv3, ps, pool(h2), training));
        NDArray code = pool(h3);
        NDArray h = Activation.relu(apply(conv4, ps, resizeLike(code, h3), training));
        h = Activation.relu(apply(conv5, ps, resizeLike(h, h2), training));
        h = Activation.relu(apply(conv6, ps, resizeLike(h, h1), training));
        return new NDList(groupedLogits ? groupedLogits(ps, h, training) : apply(logits, ps, h, training));
    }

    private NDArray groupedLogits(ParameterStore ps, NDArray h, boolean training) {
        NDArray weight = ps.getValue(logits.getParameters().get("weight"), h.getDevice(), training);
        NDArray bias = ps.getValue(logits.getParameters().get("bias"), h.getDevice(), training);
        long channels = weight.getShape().get(1);
        NDArray perChannel = Conv2d.conv2d(h, weight.reshape(channels, 1, 3, 3), null,
                new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), (int) channels).singletonOrThrow();
        return perChannel.sum(new int[] {1}, true).add(bias.reshape(1, 1, 1, 1));
    }

    private static NDArray apply(Conv2d conv, ParameterStore ps, NDArray x, boolean training) {
        return conv.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static NDArray pool(NDArray x) {
        return Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), true);
    }

    private static NDArray resizeLike(NDArray x, NDArray target) {
        Shape s = target.getShape();
        return x.getNDArrayInternal().interpolation(new long[] {s.get(2), s.get(3)}, NEAREST, false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), 1, in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        long n = in.get(0);
        long h1 = in.get(2), w1 = in.get(3);
        long h2 = ceilHalf(h1), w2 = ceilHalf(w1);
        long h3 = ceilHalf(h2), w3 = ceilHalf(w2);
        conv1.initialize(manager, dataType, in);
        conv2.initialize(manager, dataType, new Shape(n, 32, h2, w2));
        conv3.initialize(manager, dataType, new Shape(n, 32, h3, w3));
        conv4.initialize(manager, dataType, new Shape(n, 16, h3, w3));
        conv5.initialize(manager, dataType, new Shape(n, 16, h2, w2));
        conv6.initialize(manager, dataType, new Shape(n, 32, h1, w1));
        logits.initialize(manager, dataType, new Shape(n, 32, h1, w1));
    }

    private static long ceilHalf(long size) {
        return (size + 1) / 2;
    }
}
