package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    private static final int IMAGES = 48, SIZE = 12;

    /** Small synthetic images: a bright rectangle on a dark background, different per image. */
    static byte[] syntheticImages(int count, int h, int w, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[count * h * w];
        for (int i = 0; i < count; i++) {
            int r0 = random.nextInt(h / 2), c0 = random.nextInt(w / 2);
            int r1 = r0 + 2 + random.nextInt(h / 2), c1 = c0 + 2 + random.nextInt(w / 2);
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    pixels[(i * h + r) * w + c] = (byte) (r >= r0 && r < r1 && c >= c0 && c < c1 ? 200 + random.nextInt(56) : random.nextInt(20));
        }
        return pixels;
    }

    private static TrainingConfig config(int epochs) {
        return new TrainingConfig(epochs, 8, 1e-3f, 0.5f, 42, 0);
    }

    /** Trains from {@code state} until {@code stopAfter} total steps (or the end) with this many threads. */
    private static List<Float> train(TrainingState state, int threads, long stopAfter) {
        List<Float> losses = new ArrayList<>();
        try (Engine engine = new CpuEngine(threads)) {
            ImageSet images = engine.upload(syntheticImages(IMAGES, SIZE, SIZE, 7), IMAGES, SIZE, SIZE);
            Trainer trainer = new Trainer(engine, state.config, images);
            trainer.run(state, new Trainer.Listener() {
                long step = state.step;
                @Override public void losses(long firstStep, float[] values) {
                    for (float v : values) losses.add(v);
                    step = firstStep + values.length;
                }
                @Override public boolean stopRequested() { return ++step >= stopAfter; }
            });
        }
        return losses;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(cae.model.Decoder.class)
    void everyDecoderLearnsAndResumesBitForBit(cae.model.Decoder decoder) {
        TrainingConfig config = new TrainingConfig(3, 8, 1e-3f, 0.5f, 42, 0, decoder);
        TrainingState whole = TrainingState.fresh(config);
        List<Float> losses = train(whole, 2, Long.MAX_VALUE);
        double first = (losses.get(0) + losses.get(1)) / 2, last = (losses.get(losses.size() - 1) + losses.get(losses.size() - 2)) / 2;
        assertTrue(last < first * 0.9, decoder + ": loss should fall: " + losses);

        TrainingState resumed = TrainingState.fresh(config);
        List<Float> joined = new ArrayList<>(train(resumed, 1, 7));
        joined.addAll(train(resumed, 2, Long.MAX_VALUE));
        assertEquals(losses, joined, decoder.id());
        assertArrayEquals(whole.params, resumed.params, decoder.id());
    }

    /**
     * The log prints a line at every multiple of LOG_EVERY steps, so a chunk of losses must end there
     * even when epochs end elsewhere (an epoch of 550 steps had shifted every later read off the
     * hundreds, and half the recipe's log lines went missing).
     */
    @Test
    void lossChunksEndAtEveryLogStepAndEveryEpochEnd() {
        TrainingConfig config = config(40);  // 6 steps per epoch, 240 steps
        List<Long> chunkEnds = new ArrayList<>();
        try (Engine engine = new CpuEngine(2)) {
            ImageSet images = engine.upload(syntheticImages(IMAGES, SIZE, SIZE, 7), IMAGES, SIZE, SIZE);
            new Trainer(engine, config, images).run(TrainingState.fresh(config), new Trainer.Listener() {
                long expectedFirst = 0;
                @Override public void losses(long firstStep, float[] values) {
                    assertEquals(expectedFirst, firstStep);
                    expectedFirst = firstStep + values.length;
                    chunkEnds.add(expectedFirst);
                }
            });
        }
        for (long s = 1; s <= 240; s++)
            assertEquals(s % TrainingConfig.LOG_EVERY == 0 || s % 6 == 0, chunkEnds.contains(s), "step " + s + ": " + chunkEnds);
    }

    @Test
    void lossFallsOnSyntheticImages() {
        List<Float> losses = train(TrainingState.fresh(config(4)), 2, Long.MAX_VALUE);
        assertEquals(4 * IMAGES / 8, losses.size());
        double first = (losses.get(0) + losses.get(1)) / 2, last = (losses.get(losses.size() - 1) + losses.get(losses.size() - 2)) / 2;
        assertTrue(last < first * 0.9, "loss should fall: " + losses);
    }

    @Test
    void sameSeedGivesBitwiseSameWeightsOnOneAndTwoThreads() {
        TrainingState one = TrainingState.fresh(config(2)), two = TrainingState.fresh(config(2));
        List<Float> lossesOne = train(one, 1, Long.MAX_VALUE);
        List<Float> lossesTwo = train(two, 2, Long.MAX_VALUE);
        assertEquals(lossesOne, lossesTwo);
        assertArrayEquals(one.params, two.params);
        assertArrayEquals(one.adamM, two.adamM);
        assertArrayEquals(one.adamV, two.adamV);
    }

    @Test
    void resumedRunEqualsUninterruptedRunBitForBit() {
        TrainingState whole = TrainingState.fresh(config(2));
        List<Float> wholeLosses = train(whole, 2, Long.MAX_VALUE);

        TrainingState resumed = TrainingState.fresh(config(2));
        List<Float> part1 = train(resumed, 2, 5);      // stops mid-epoch (6 steps per epoch)
        assertEquals(5, resumed.step);
        TrainingState copy = new TrainingState(resumed.config, resumed.step,
                resumed.params.clone(), resumed.adamM.clone(), resumed.adamV.clone());
        List<Float> part2 = train(copy, 1, Long.MAX_VALUE);

        List<Float> joined = new ArrayList<>(part1);
        joined.addAll(part2);
        assertEquals(wholeLosses, joined);
        assertArrayEquals(whole.params, copy.params);
        assertArrayEquals(whole.adamM, copy.adamM);
        assertArrayEquals(whole.adamV, copy.adamV);
    }
}
