package cae.anchor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * The photo model as a DJL block, layer for layer the {@code Autoencoder} of anchors/torch_photo_bench.py:
 * encoder stage i a 3x3 convolution (padding 1, bias) to {@code widths[i]} channels, ReLU, and a 2x2 max-pool
 * with ceil mode; up stage j a nearest resize to the size of level S-1-j (the input size of encoder stage S-1-j),
 * a 3x3 convolution to that level's width and ReLU, plus, with skips, the encoder's (post-ReLU) output of that
 * level; then a 3x3 output convolution to the image's channels, no activation.
 *
 * <p>Weights and biases start as PyTorch's {@code nn.Conv2d} defaults do (kaiming_uniform with a = sqrt(5), so
 * uniform in +-1/sqrt(fan_in) for both), which only matters for the loss values, not for the time a step takes.
 */
final class PhotoBlock extends AbstractBlock {

    /** torch.nn.functional.interpolate's mode "nearest" in DJL's PyTorch engine. */
    private static final int NEAREST = 0;

    private final int channels;
    private final int[] widths;
    private final boolean skips;
    private final Conv2d[] encoder;
    private final Conv2d[] decoder;
    /** Input channels of each up stage: the previous stage's width (the code's width for the first). */
    private final int[] decoderIn;
    private final Conv2d logits;

    PhotoBlock(int channels, int[] widths, boolean skips) {
        if (widths.length == 0) {
            throw new IllegalArgumentException("at least one stage width is needed");
        }
        this.channels = channels;
        this.widths = widths.clone();
        this.skips = skips;
        int stages = widths.length;
        encoder = new Conv2d[stages];
        for (int i = 0; i < stages; i++) {
            encoder[i] = addChildBlock("encoder" + i, conv(i == 0 ? channels : widths[i - 1], widths[i]));
        }
        decoder = new Conv2d[stages];
        decoderIn = new int[stages];
        for (int j = 0; j < stages; j++) {
            decoderIn[j] = j == 0 ? widths[stages - 1] : widths[stages - j];
            decoder[j] = addChildBlock("decoder" + j, conv(decoderIn[j], widths[stages - 1 - j]));
        }
        logits = addChildBlock("logits", conv(widths[0], channels));
    }

    /** A 3x3 convolution, padding 1, with bias, initialised like PyTorch's nn.Conv2d. */
    private static Conv2d conv(int in, int out) {
        Conv2d conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(out).build();
        UniformInitializer init = new UniformInitializer((float) (1 / Math.sqrt(in * 9.0)));
        conv.setInitializer(init, Parameter.Type.WEIGHT);
        conv.setInitializer(init, Parameter.Type.BIAS);
        return conv;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        int stages = widths.length;
        NDArray x = inputs.singletonOrThrow();
        NDArray[] levels = new NDArray[stages];
        long[][] sizes = new long[stages][];
        for (int i = 0; i < stages; i++) {
            sizes[i] = new long[] {x.getShape().get(2), x.getShape().get(3)};
            x = Activation.relu(apply(encoder[i], ps, x, training));
            levels[i] = x;
            x = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), true);
        }
        for (int j = 0; j < stages; j++) {
            int level = stages - 1 - j;
            NDArray up = x.getNDArrayInternal().interpolation(sizes[level], NEAREST, false);
            x = Activation.relu(apply(decoder[j], ps, up, training));
            if (skips) {
                x = x.add(levels[level]);
            }
        }
        return new NDList(apply(logits, ps, x, training));
    }

    private static NDArray apply(Conv2d conv, ParameterStore ps, NDArray x, boolean training) {
        return conv.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), channels, in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        int stages = widths.length;
        long n = in.get(0);
        long[] h = new long[stages];
        long[] w = new long[stages];
        long height = in.get(2), width = in.get(3);
        for (int i = 0; i < stages; i++) {
            h[i] = height;
            w[i] = width;
            encoder[i].initialize(manager, dataType, new Shape(n, i == 0 ? channels : widths[i - 1], height, width));
            height = (height + 1) / 2;
            width = (width + 1) / 2;
        }
        for (int j = 0; j < stages; j++) {
            int level = stages - 1 - j;
            decoder[j].initialize(manager, dataType, new Shape(n, decoderIn[j], h[level], w[level]));
        }
        logits.initialize(manager, dataType, new Shape(n, widths[0], h[0], w[0]));
    }

    /** The number of trainable values, as torch_photo_bench.py counts them (sum of numel over parameters). */
    long parameterCount() {
        long count = 0;
        for (Parameter p : getParameters().values()) {
            count += p.getArray().getShape().size();
        }
        return count;
    }
}
