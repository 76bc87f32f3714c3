package cae.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The reference model of SPEC §2 (`cae-mnist`): three conv + pool stages down, three resize + conv stages up. */
public final class Architecture {
    public static final String NAME = "cae-mnist";

    public static final List<ConvLayer> LAYERS = List.of(
            new ConvLayer("conv1", 1, 32, true),
            new ConvLayer("conv2", 32, 32, true),
            new ConvLayer("conv3", 32, 16, true),
            new ConvLayer("conv4", 16, 16, true),
            new ConvLayer("conv5", 16, 32, true),
            new ConvLayer("conv6", 32, 32, true),
            new ConvLayer("logits", 32, 1, false));

    private Architecture() {}

    public static int parameterCount() {
        return LAYERS.stream().mapToInt(ConvLayer::parameterCount).sum();
    }

    /** Tensor names and shapes as stored in model.safetensors, in parameter-buffer order. */
    public static Map<String, int[]> tensorShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (ConvLayer l : LAYERS) {
            shapes.put(l.name() + ".weight", l.weightShape());
            shapes.put(l.name() + ".bias", l.biasShape());
        }
        return shapes;
    }

    /** Output size of a 2x2 stride-2 SAME pool: ceil(n / 2). */
    public static int pooled(int n) { return (n + 1) / 2; }

    /** Multiply-accumulates of one image's forward pass at H x W (a training step costs about 3x). */
    public static long forwardMacs(int height, int width) {
        int[] h = {height, pooled(height), pooled(pooled(height)), pooled(pooled(height)), pooled(height), height, height};
        int[] w = {width, pooled(width), pooled(pooled(width)), pooled(pooled(width)), pooled(width), width, width};
        long macs = 0;
        for (int i = 0; i < LAYERS.size(); i++) macs += (long) LAYERS.get(i).weightCount() * h[i] * w[i];
        return macs;
    }
}
