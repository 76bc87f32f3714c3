package cae.model;

import cae.engine.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The layers of the model (docs/SPEC.md §2): an encoder of stages (3x3 conv + ReLU, then a 2x2 SAME
 * max-pool) of the given widths, a decoder of as many up stages back to the encoder's recorded sizes
 * (how they go up is the {@link Decoder}), and an output convolution to the image's channels. The
 * recipe ({@link #RECIPE}) is three stages of 32, 32 and 16 channels, grey images, nearest resize and
 * sigmoid cross-entropy.
 *
 * <p>Two options for photographs: {@link #skips()} adds each encoder stage's output to the decoder
 * stage's output of the same size (their channels match by construction), and {@link #residual()}
 * makes the network predict the noise, so that the output is the input minus it. The output layer is
 * linear unless the loss is cross-entropy, whose output is the sigmoid of the logits.
 */
public final class Architecture {
    /** The family every model file of this program names (files written before the options say the same). */
    public static final String NAME = "cae-mnist";
    public static final List<Integer> RECIPE_WIDTHS = List.of(32, 32, 16);
    public static final int MAX_STAGES = 6, MAX_WIDTH = 1024;

    /** What the network is trained to minimise. */
    public enum Loss {
        /** Sigmoid cross-entropy of the logits against the clean image (the recipe). */
        XENT,
        /** Mean squared error of the (linear) output against the clean image. */
        MSE;

        public String id() { return name().toLowerCase(Locale.ROOT); }

        /** The loss a model gets when none is chosen: MSE for a residual output (which is linear), else the recipe's cross-entropy. */
        public static Loss defaultFor(boolean residual) { return residual ? MSE : XENT; }

        public static Loss parse(String s) {
            for (Loss l : values()) if (l.id().equals(s.toLowerCase(Locale.ROOT))) return l;
            throw new IllegalArgumentException("unknown loss '" + s + "' (expected xent or mse)");
        }
    }

    public static final Architecture RECIPE = new Architecture(Decoder.NEAREST, 1, RECIPE_WIDTHS, false, false, Loss.XENT);

    private final Decoder decoder;
    private final int channels;
    private final List<Integer> widths;
    private final boolean skips, residual;
    private final Loss loss;
    private final List<ConvLayer> layers;

    /**
     * A model of {@code widths.size()} stages on images of {@code channels} (1 or 3). Combinations that
     * do not fit are refused: the unpool decoder's stages have the channels of the pool they undo, not
     * the encoder stage's of their size, so it takes no skips; the residual output needs the MSE loss.
     */
    public Architecture(Decoder decoder, int channels, List<Integer> widths, boolean skips, boolean residual, Loss loss) {
        if (decoder == null || loss == null || widths == null) throw new IllegalArgumentException("decoder, loss and widths must be given");
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("images have 1 (grey) or 3 (RGB) channels, not " + channels);
        if (widths.isEmpty() || widths.size() > MAX_STAGES)
            throw new IllegalArgumentException("--widths takes 1 to " + MAX_STAGES + " stage widths, got " + widths.size());
        for (int w : widths)
            if (w < 1 || w > MAX_WIDTH) throw new IllegalArgumentException("a stage width must be 1 to " + MAX_WIDTH + ", got " + w);
        if (skips && decoder == Decoder.UNPOOL)
            throw new IllegalArgumentException("--skips does not fit the unpool decoder, whose stages have other channels than the "
                    + "encoder's of their size");
        if (residual && loss != Loss.MSE) throw new IllegalArgumentException("--residual needs --loss mse (its output is linear)");
        this.decoder = decoder;
        this.channels = channels;
        this.widths = List.copyOf(widths);
        this.skips = skips;
        this.residual = residual;
        this.loss = loss;
        this.layers = makeLayers();
    }

    /** The recipe's model with another decoder. */
    public static Architecture of(Decoder decoder) {
        return decoder == Decoder.NEAREST ? RECIPE : new Architecture(decoder, 1, RECIPE_WIDTHS, false, false, Loss.XENT);
    }

    private List<ConvLayer> makeLayers() {
        int stages = widths.size();
        List<ConvLayer> list = new ArrayList<>();
        for (int i = 0; i < stages; i++)
            list.add(new ConvLayer("conv" + (i + 1), i == 0 ? channels : widths.get(i - 1), widths.get(i), true));
        for (int j = 0; j < stages; j++) {
            int level = stages - 1 - j, in, out;
            if (decoder == Decoder.UNPOOL) {
                // the unpooled tensor takes the channels of the pool it undoes; each stage then feeds the next unpooling
                in = widths.get(level);
                out = widths.get(Math.max(level - 1, 0));
            } else {
                in = j == 0 ? widths.get(stages - 1) : widths.get(level + 1);
                out = widths.get(level);
            }
            boolean transposed = decoder == Decoder.TRANSPOSED;
            list.add(new ConvLayer((transposed ? "tconv" : "conv") + (stages + 1 + j), in, out, true, transposed));
        }
        list.add(new ConvLayer("logits", widths.get(0), channels, false));
        return List.copyOf(list);
    }

    public Decoder decoder() { return decoder; }
    public int channels() { return channels; }
    public List<Integer> widths() { return widths; }
    public boolean skips() { return skips; }
    public boolean residual() { return residual; }
    public Loss loss() { return loss; }

    /** Encoder stages, as many up stages, and pools: the image is 2^stages coarser at the code. */
    public int stages() { return widths.size(); }

    /** The index of the output convolution; encoder stage i is layer i, up stage j layer stages + j. */
    public int logitsLayer() { return 2 * stages(); }

    /** The output is the sigmoid of the logits (cross-entropy), else the logits themselves (or the input minus them). */
    public boolean sigmoidOutput() { return loss == Loss.XENT; }

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

    /** The model's settings as the model file's metadata keys (docs/SPEC.md §5); {@link #fromMetadata} reads them back. */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("decoder", decoder.id());
        meta.put("channels", Integer.toString(channels));
        meta.put("widths", widthsText());
        meta.put("skips", Boolean.toString(skips));
        meta.put("residual", Boolean.toString(residual));
        meta.put("loss", loss.id());
        return meta;
    }

    /** "32,32,16". */
    public String widthsText() {
        StringBuilder s = new StringBuilder();
        for (int w : widths) s.append(s.length() == 0 ? "" : ",").append(w);
        return s.toString();
    }

    /** "32,32,16" into widths; an IllegalArgumentException names what does not parse. */
    public static List<Integer> parseWidths(String text) {
        List<Integer> widths = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            try {
                widths.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--widths takes stage widths like 32,32,16, not '" + text + "'");
            }
        }
        return widths;
    }

    /**
     * The architecture a model file's metadata records; a key missing (a file written before the option
     * existed) means the recipe's value. An IllegalArgumentException names a value that does not fit.
     */
    public static Architecture fromMetadata(Map<String, String> meta) {
        Decoder decoder = Decoder.parse(meta.getOrDefault("decoder", Decoder.NEAREST.id()));
        String channelsText = meta.getOrDefault("channels", "1");
        int channels;
        try {
            channels = Integer.parseInt(channelsText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("channels '" + channelsText + "' is not a number");
        }
        List<Integer> widths = meta.containsKey("widths") ? parseWidths(meta.get("widths")) : RECIPE_WIDTHS;
        return new Architecture(decoder, channels, widths, bool(meta, "skips"), bool(meta, "residual"),
                Loss.parse(meta.getOrDefault("loss", Loss.XENT.id())));
    }

    private static boolean bool(Map<String, String> meta, String key) {
        String v = meta.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException(key + " '" + v + "' is not true or false");
        return v.equals("true");
    }

    /** A side of the image at each level: n, then after each pool (the last is the code). */
    int[] levels(int n) { return Shapes.levels(n, stages()); }

    /** The level (of {@link #levels}) each layer's output is at: the decoder's convolutions after their upsampling. */
    private int outputLevel(int layer) {
        int stages = stages();
        if (layer < stages) return layer;
        if (layer < 2 * stages) return 2 * stages - 1 - layer;
        return 0;
    }

    /** Multiply-accumulates of one image's forward pass at H x W (a training step costs about 3x). */
    public long forwardMacs(int height, int width) {
        int[] h = levels(height), w = levels(width);
        long macs = 0;
        for (int i = 0; i < layers.size(); i++) {
            // weights x the positions a layer slides over: its input, one level down, for a transposed conv
            int level = outputLevel(i) + (layers.get(i).transposed() ? 1 : 0);
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
            shapes.add(new int[] {batch, l.inChannels(), l.outChannels(), h[outputLevel(i)], w[outputLevel(i)]});
        }
        return shapes;
    }

    /**
     * Floats of one image's activations at H x W, every tensor of {@link Activations} an inference pass
     * makes: the input, each encoder output and pool, each up-sampled copy and up-stage output (with
     * its skip sum) and the logits (102,960 for the recipe at 28 x 28).
     * The least traffic of a pass counts each once written and once read; a training step moves about
     * five times this (the gradients, and the forward values read again by the backward), an inference
     * pass two.
     */
    public long activationFloats(int height, int width) {
        int[] h = levels(height), w = levels(width);
        int stages = stages();
        long floats = 2L * channels * height * width;  // the input and the logits
        for (int i = 0; i < stages; i++)
            floats += (long) layer(i).outChannels() * ((long) h[i] * w[i] + (long) h[i + 1] * w[i + 1]);
        for (int j = 0; j < stages; j++) {
            ConvLayer l = layer(stages + j);
            long plane = (long) h[stages - 1 - j] * w[stages - 1 - j];
            floats += (l.transposed() ? 0 : l.inChannels() * plane) + l.outChannels() * plane * (skips ? 2 : 1);
        }
        return floats;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Architecture a && a.decoder == decoder && a.channels == channels && a.widths.equals(widths)
                && a.skips == skips && a.residual == residual && a.loss == loss;
    }

    @Override public int hashCode() { return Arrays.hashCode(new Object[] {decoder, channels, widths, skips, residual, loss}); }

    @Override public String toString() {
        StringBuilder s = new StringBuilder(NAME + " (" + decoder.id() + " decoder");
        if (!equals(of(decoder))) {
            s.append(", ").append(channels == 1 ? "grey" : "RGB").append(", widths ").append(widthsText());
            if (skips) s.append(", skips");
            if (residual) s.append(", residual");
            s.append(", ").append(loss.id()).append(" loss");
        }
        return s.append(", ").append(parameterCount()).append(" parameters)").toString();
    }
}
