package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model's backward pass against finite differences of its loss, for every decoder: for each
 * layer's weights and for its bias, along a direction d over those parameters, the gradient's
 * component g . d equals (L(p + e d) - L(p - e d)) / 2e, the losses summed in double from the float
 * logits. The engine tests check each op's gradient; this checks how {@link Autoencoder#backward}
 * joins them (which tensor each stage reads and writes, and the stage ops an engine may fuse, such as
 * conv3x3PoolBackward and conv3x3ResizeBackward). The image is 9 x 7, so every pool pads and every
 * resize is uneven. The step is small because ReLUs and arg-maxes make the loss piecewise smooth:
 * with these seeds the worst slice is 5% off (at a step of 1e-3, 50%), while a stage wired wrong
 * leaves its layer and every layer before it with a gradient that is wrong outright, or zero.
 */
class AutoencoderGradientTest {
    private static final int BATCH = 2, HEIGHT = 9, WIDTH = 7;
    private Random random;
    private static final float STEP = 1e-5f;

    @ParameterizedTest
    @EnumSource(Decoder.class)
    void backwardMatchesFiniteDifferencesOfTheLoss(Decoder decoder) {
        backwardMatchesFiniteDifferences(Architecture.of(decoder), 17 + decoder.ordinal(), HEIGHT, WIDTH);
    }

    /**
     * The model options: skip connections, the residual output, the MSE loss, colour, other stage
     * counts and widths; on 17 x 15 images, so that four stages still leave the code more than a cell.
     */
    static java.util.stream.Stream<Architecture> options() {
        return java.util.stream.Stream.of(
                new Architecture(Decoder.NEAREST, 1, java.util.List.of(6, 5, 4), true, false, Architecture.Loss.XENT),
                new Architecture(Decoder.TRANSPOSED, 1, java.util.List.of(5, 6, 4), true, false, Architecture.Loss.XENT),
                new Architecture(Decoder.BILINEAR, 3, java.util.List.of(6, 4), true, true, Architecture.Loss.MSE),
                new Architecture(Decoder.NEAREST, 3, java.util.List.of(6, 5, 8), false, true, Architecture.Loss.MSE),
                new Architecture(Decoder.UNPOOL, 1, java.util.List.of(4, 6), false, false, Architecture.Loss.MSE),
                new Architecture(Decoder.NEAREST, 1, java.util.List.of(7), true, true, Architecture.Loss.MSE),
                new Architecture(Decoder.NEAREST, 1, java.util.List.of(4, 6, 5, 7), true, false, Architecture.Loss.XENT));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("options")
    void backwardMatchesFiniteDifferencesWithEveryModelOption(Architecture arch) {
        backwardMatchesFiniteDifferences(arch, arch.hashCode(), 17, 15);
    }

    private void backwardMatchesFiniteDifferences(Architecture arch, long seed, int height, int width) {
        String decoder = arch.toString();
        random = new Random(seed);
        float[] params = Parameters.glorotInit(arch, 5);
        try (Engine cpu = new CpuEngine(1)) {
            Autoencoder net = new Autoencoder(cpu, arch);
            Activations a = net.activations(BATCH, height, width, true);
            Tensor target = cpu.zeros(a.input.shape()), losses = cpu.zeros(1);
            cpu.write(a.input, uniform(random, a.input.size()));
            cpu.write(target, uniform(random, target.size()));
            int offset = 0;
            for (ConvLayer l : arch.layers()) {  // small random biases, so the ReLUs cut on both sides of zero
                for (int i = l.weightCount(); i < l.parameterCount(); i++) params[offset + i] = (random.nextFloat() - 0.5f) * 0.1f;
                offset += l.parameterCount();
            }

            net.setWeights(params);
            loss(net, a, target, losses, false);
            net.backward(a);
            float[] gradient = new float[params.length];
            cpu.read(net.grads.flat, gradient);

            offset = 0;
            for (int layer = 0; layer < arch.layers().size(); layer++) {
                ConvLayer l = arch.layer(layer);
                check(net, a, target, losses, params, gradient, offset, offset + l.weightCount(), decoder + " layer " + layer + " weights");
                check(net, a, target, losses, params, gradient, offset + l.weightCount(), offset + l.parameterCount(), decoder + " layer " + layer + " bias");
                offset += l.parameterCount();
            }
        }
    }

    /**
     * Along d over parameters [from, to): d_i = sign(g_i) times a random 0.5 .. 1.5, so g . d is large
     * against the float32 noise in the difference and is 0 only where the whole slice's gradient is.
     */
    private void check(Autoencoder net, Activations a, Tensor target, Tensor losses, float[] params, float[] gradient,
                       int from, int to, String what) {
        float[] direction = new float[params.length];
        double along = 0;
        for (int i = from; i < to; i++) {
            direction[i] = Math.signum(gradient[i]) * (0.5f + random.nextFloat());
            along += gradient[i] * direction[i];
        }
        double difference = (lossAt(net, a, target, losses, params, direction, STEP)
                - lossAt(net, a, target, losses, params, direction, -STEP)) / (2.0 * STEP);
        String message = what + ": g . d = " + along + ", finite difference " + difference;
        assertTrue(along > 0, message + " (the backward pass left this slice's gradient all zero)");
        assertEquals(along, difference, 0.1 * along, message);
    }

    private static double lossAt(Autoencoder net, Activations a, Tensor target, Tensor losses, float[] params, float[] direction, float step) {
        float[] moved = params.clone();
        for (int i = 0; i < moved.length; i++) moved[i] += step * direction[i];
        net.setWeights(moved);
        return loss(net, a, target, losses, true);
    }

    /**
     * The forward pass's loss: the engine's through the model (it also writes the logits' gradient), or
     * in double from the logits: the mean sigmoid cross-entropy, or the mean squared error of the
     * output (the logits, or the input minus them).
     */
    private static double loss(Autoencoder net, Activations a, Tensor target, Tensor losses, boolean inDouble) {
        Engine engine = net.engine();
        net.forward(a);
        if (!inDouble) {
            net.loss(a, target, a.logitsGradient(), losses, 0);
            float[] value = new float[1];
            engine.read(losses, value);
            return value[0];
        }
        float[] x = new float[a.logits.size()], z = new float[x.length], in = new float[x.length];
        engine.read(a.logits, x);
        engine.read(target, z);
        engine.read(a.input, in);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            if (net.arch.sigmoidOutput()) {
                sum += Math.max(x[i], 0) - (double) x[i] * z[i] + Math.log1p(Math.exp(-Math.abs((double) x[i])));
            } else {
                double out = net.arch.residual() ? (double) in[i] - x[i] : x[i], d = out - z[i];
                sum += d * d;
            }
        }
        return sum / x.length;
    }

    private static float[] uniform(Random random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = random.nextFloat();
        return v;
    }
}
