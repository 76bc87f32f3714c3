package cae.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ResultCheckTest {
    private static Evaluation.Result scores(double noisy, double denoised) {
        return new Evaluation.Result(10_000, 0.2, noisy, denoised, 0, 0);
    }

    @Test
    void aModelThatGainsLessThan3DbIsUndertrainedAndToldWhatTheRecipeNeeds() {
        assertNull(ResultCheck.undertrained(scores(9.0, 12.0), 55_000, 55_000, 200));
        String line = ResultCheck.undertrained(scores(9.37, 11.8), 5_000, 55_000, 200);
        assertEquals("note: the model is undertrained: its denoised test images score 11.80 dB, only 2.43 dB above the noisy input's "
                + "9.37 dB (a trained model gains 3 dB or more); the recipe trains 10 epochs of all 55,000 training images "
                + "(--epochs 10 without --limit), about 45m50s on this engine at the 200 images/s measured", line);
        assertTrue(ResultCheck.undertrained(scores(9.37, 8.0), 5_000, 55_000, 0).contains("score 8.00 dB, 1.37 dB below the noisy input's"
                + " 9.37 dB"), "below the noisy input");
        assertTrue(ResultCheck.undertrained(scores(9.37, 8.0), 5_000, 55_000, 0).endsWith("(--epochs 10 without --limit)"),
                "no time where the speed is unknown");
    }

    @Test
    void aRunAsLongAsTheRecipesIsToldToTrainLonger() {
        String line = ResultCheck.undertrained(scores(9.0, 10.0), 550_000, 55_000, 200);
        assertTrue(line.endsWith("it trained as long as the recipe (10 epochs of all the training images): give it more --epochs"), line);
    }

    @Test
    void belowTheNoisyInputIsWhereTheDenoisedScoreIsLower() {
        assertTrue(ResultCheck.belowNoisy(scores(9.37, 9.36)));
        assertFalse(ResultCheck.belowNoisy(scores(9.37, 9.37)));
    }
}
