package cae.model;

/**
 * One 3x3 convolution of the model: its parameter name, channel counts, activation, and whether it
 * is a stride-2 transposed convolution (weight then (Cin, Cout, 3, 3), PyTorch's ConvTranspose2d layout).
 */
public record ConvLayer(String name, int inChannels, int outChannels, boolean relu, boolean transposed) {

    public ConvLayer(String name, int inChannels, int outChannels, boolean relu) {
        this(name, inChannels, outChannels, relu, false);
    }

    public int weightCount() { return outChannels * inChannels * 9; }

    public int parameterCount() { return weightCount() + outChannels; }

    public int[] weightShape() {
        return transposed ? new int[] {inChannels, outChannels, 3, 3} : new int[] {outChannels, inChannels, 3, 3};
    }

    public int[] biasShape() { return new int[] {outChannels}; }

    /** Glorot-uniform limit with fan_in = 9 Cin and fan_out = 9 Cout (docs/SPEC.md §2). */
    public double glorotLimit() { return Math.sqrt(6.0 / (9.0 * inChannels + 9.0 * outChannels)); }
}
