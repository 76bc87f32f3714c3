package cae.model;

/** One 3x3 SAME convolution of the model: its parameter names, channel counts and activation. */
public record ConvLayer(String name, int inChannels, int outChannels, boolean relu) {

    public int weightCount() { return outChannels * inChannels * 9; }

    public int parameterCount() { return weightCount() + outChannels; }

    public int[] weightShape() { return new int[] {outChannels, inChannels, 3, 3}; }

    public int[] biasShape() { return new int[] {outChannels}; }

    /** Glorot-uniform limit with fan_in = 9 Cin and fan_out = 9 Cout (SPEC §2). */
    public double glorotLimit() { return Math.sqrt(6.0 / (9.0 * inChannels + 9.0 * outChannels)); }
}
