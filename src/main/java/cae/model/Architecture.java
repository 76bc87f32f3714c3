package cae.model;

import cae.engine.Shapes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers of the model (docs/SPEC.md §2, `cae-mnist`): three conv + pool stages down to a 4 x 4 code, three
 * up stages back to the image size, and a 1-channel logits convolution. The up stages depend on the
 * {@link Decoder}; the recipe's is {@link #RECIPE}.
 */
public final class Architecture {
    public static final String NAME = "cae-mnist";
    public static final Architecture RECIPE = new Architecture(Decoder.NEAREST);

    /** Layer indices: the three encoder convs, the three up-stage convs, the logits. */
    public static final int UP_STAGES = 3, LOGITS = 6;

    private final Decoder decoder;
    private final List<ConvLayer> layers;

    private Architecture(Decoder decoder) {
        this.decoder = decoder;
        ConvLayer conv1 = new ConvLayer("conv1", 1, 32, true), conv2 = new ConvLayer("conv2", 32, 32, true),
                conv3 = new ConvLayer("conv3", 32, 16, true), logits = new ConvLayer("logits", 32, 1, false);
        layers = switch (decoder) {
            case NEAREST, BILINEAR -> List.of(conv1, conv2, conv3,
                    new ConvLayer("conv4", 16, 16, true), new ConvLayer("conv5", 16, 32, true), new ConvLayer("conv6", 32, 32, true), logits);
            case TRANSPOSED -> List.of(conv1, conv2, conv3,
                    new ConvLayer("tconv4", 16, 16, true, true), new ConvLayer("tconv5", 16, 32, true, true),
                    new ConvLayer("tconv6", 32, 32, true, true), logits);
            // unpooling reuses the encoder's positions, so each up stage has the channels of the pool it undoes (16, 32, 32)
            case UNPOOL -> List.of(conv1, conv2, conv3,
                    new ConvLayer("conv4", 16, 32, true), new ConvLayer("conv5", 32, 32, true), new ConvLayer("conv6", 32, 32, true), logits);
        };
    }

    public static Architecture of(Decoder decoder) {
        return decoder == Decoder.NEAREST ? RECIPE : new Architecture(decoder);
    }

    public Decoder decoder() { return decoder; }

    public List<ConvLayer> layers() { return layers; }

    public ConvLayer layer(int i) { return layers.get(i); }

    public int parameterCount() {
        return layers.stream().mapToInt(ConvLayer::parameterCount).sum();
    }

    /** Tensor names and shapes as stored in model.safetensors, in parameter-buffer order. */
    public Map<String, int[]> tensorShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (ConvLayer l : layers) {
            shapes.put(l.name() + ".weight", l.weightShape());
            shapes.put(l.name() + ".bias", l.biasShape());
        }
        return shapes;
    }

    /** A side of the image at each level: n, then after each of the three pools (level 3 is the code). */
    static int[] levels(int n) { return Shapes.levels(n, 3); }

    /** The level (of {@link #levels}) each layer's output is at: the decoder's convolutions after their upsampling. */
    private static final int[] OUTPUT_LEVEL = {0, 1, 2, 2, 1, 0, 0};

    /** Multiply-accumulates of one image's forward pass at H x W (a training step costs about 3x). */
    public long forwardMacs(int height, int width) {
        int[] h = levels(height), w = levels(width);
        long macs = 0;
        for (int i = 0; i < layers.size(); i++) {
            // weights x the positions a layer slides over: its input, one level down, for a transposed conv
            int level = OUTPUT_LEVEL[i] + (layers.get(i).transposed() ? 1 : 0);
            macs += layers.get(i).weightCount() * ((long) h[level] * w[level]);
        }
        return macs;
    }

    /**
     * The 3x3 stride-1 convolutions at H x W with more than one channel on each side, as {batch, in
     * channels, out channels, height, width}: the layers the layout probe (bench --layout-probe) measures.
     */
    public List<int[]> wideConvolutionShapes(int batch, int height, int width) {
        int[] h = levels(height), w = levels(width);
        List<int[]> shapes = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            ConvLayer l = layers.get(i);
            if (l.transposed() || l.inChannels() == 1 || l.outChannels() == 1) continue;
            shapes.add(new int[] {batch, l.inChannels(), l.outChannels(), h[OUTPUT_LEVEL[i]], w[OUTPUT_LEVEL[i]]});
        }
        return shapes;
    }

    /**
     * Floats of one image's activations at H x W, every tensor of {@link Activations} without the
     * gradients: the input, each encoder output and pool, each up-sampled copy and up-stage output, the
     * logits (102,960 for the recipe at 28 x 28). The least traffic of a pass counts each once written
     * and once read; a training step moves about five times this (the gradients, and the forward
     * values read again by the backward), an inference pass two.
     */
    public long activationFloats(int height, int width) {
        int[] h = levels(height), w = levels(width);
        long floats = 2L * height * width;  // the input and the logits
        for (int i = 0; i < 3; i++)
            floats += (long) layer(i).outChannels() * ((long) h[i] * w[i] + (long) h[i + 1] * w[i + 1]);
        for (int j = 0; j < UP_STAGES; j++) {
            ConvLayer l = layer(3 + j);
            long plane = (long) h[2 - j] * w[2 - j];
            floats += (l.transposed() ? 0 : l.inChannels() * plane) + l.outChannels() * plane;
        }
        return floats;
    }

    @Override public String toString() { return NAME + " (" + decoder.id() + " decoder, " + parameterCount() + " parameters)"; }
}
