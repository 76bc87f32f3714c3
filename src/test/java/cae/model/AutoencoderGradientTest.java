package cae.model;

import cae.engine.Tensor;
import cae.engine.reference.ReferenceEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model's backward pass against finite differences of its loss, for every decoder and model
 * option: for each layer's weights and for its bias, along a direction d over those parameters, the
 * gradient's component g . d equals (L(p + e d) - L(p - e d)) / 2e. This checks how
 * {@link Autoencoder#backward} joins the ops (which tensor each stage reads and writes). It runs on the
 * reference engine, in double precision throughout, because in float the loss's rounding is as large as
 * a small slice's change at a step small enough to stay clear of the ReLUs' and arg-maxes' kinks (a
 * bias slice came out 23% off on one machine's vector width). The CPU engine's fused stage ops are held
 * to the reference engine's by ModelOptionsTest and EngineAgreementTest. The recipe's images are 9 x 7,
 * so every pool pads and every resize is uneven.
 */
class AutoencoderGradientTest {
    private static final int BATCH = 2, HEIGHT = 9, WIDTH = 7;
    private Random random;
    private static final double STEP = 1e-6;

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
        backwardMatchesFiniteDifferences(arch, arch.toString().hashCode(), 17, 15);  // not hashCode(): its enums hash by identity, so it differs between JVMs
    }

    private void backwardMatchesFiniteDifferences(Architecture arch, long seed, int height, int width) {
        String decoder = arch.toString();
        random = new Random(seed);
        double[] params = toDouble(Parameters.glorotInit(arch, 5));
        try (ReferenceEngine engine = new ReferenceEngine()) {
            Autoencoder net = new Autoencoder(engine, arch);
            Activations a = net.activations(BATCH, height, width, true);
            Tensor target = engine.zeros(a.input.shape()), losses = engine.zeros(1);
            engine.write(a.input, uniform(random, a.input.size()));
            engine.write(target, uniform(random, target.size()));
            int offset = 0;
            for (ConvLayer l : arch.layers()) {  // small random biases, so the ReLUs cut on both sides of zero
                for (int i = l.weightCount(); i < l.parameterCount(); i++) params[offset + i] = (random.nextDouble() - 0.5) * 0.1;
                offset += l.parameterCount();
            }

            engine.write(net.params.flat, params);
            loss(net, a, target, losses, false);
            net.backward(a);
            double[] gradient = engine.values(net.grads.flat);

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
     * Along d over parameters [from, to): d_i = sign(g_i) times a random 0.5 .. 1.5, so g . d is 0 only
     * where the whole slice's gradient is.
     */
    private void check(Autoencoder net, Activations a, Tensor target, Tensor losses, double[] params, double[] gradient,
                       int from, int to, String what) {
        double[] direction = new double[params.length];
        double along = 0;
        for (int i = from; i < to; i++) {
            direction[i] = Math.signum(gradient[i]) * (0.5 + random.nextDouble());
            along += gradient[i] * direction[i];
        }
        double difference = (lossAt(net, a, target, losses, params, direction, STEP)
                - lossAt(net, a, target, losses, params, direction, -STEP)) / (2.0 * STEP);
        String message = what + ": g . d = " + along + ", finite difference " + difference;
        assertTrue(along > 0, message + " (the backward pass left this slice's gradient all zero)");
        assertEquals(along, difference, 0.01 * along, message);
    }

    private static double lossAt(Autoencoder net, Activations a, Tensor target, Tensor losses, double[] params, double[] direction, double step) {
        double[] moved = params.clone();
        for (int i = 0; i < moved.length; i++) moved[i] += step * direction[i];
        ((ReferenceEngine) net.engine()).write(net.params.flat, moved);
        return loss(net, a, target, losses, true);
    }

    /**
     * The forward pass's loss: the engine's through the model (it also writes the logits' gradient), or
     * from the logits' doubles: the mean sigmoid cross-entropy, or the mean squared error of the output
     * (the logits, or the input minus them).
     */
    private static double loss(Autoencoder net, Activations a, Tensor target, Tensor losses, boolean fromLogits) {
        ReferenceEngine engine = (ReferenceEngine) net.engine();
        net.forward(a);
        if (!fromLogits) {
            net.loss(a, target, a.logitsGradient(), losses, 0);
            return engine.values(losses)[0];
        }
        double[] x = engine.values(a.logits), z = engine.values(target), in = engine.values(a.input);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            if (net.arch.sigmoidOutput()) {
                sum += Math.max(x[i], 0) - x[i] * z[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
            } else {
                double d = (net.arch.residual() ? in[i] - x[i] : x[i]) - z[i];
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

    private static double[] toDouble(float[] values) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i];
        return v;
    }
}
