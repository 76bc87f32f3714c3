package cae.train;

import cae.io.ProgressBar;
import java.util.Locale;

/**
 * What a run's test scores say about the model, in words (docs/SPEC.md §3.5): a model whose denoised
 * images gain little over the noisy input is undertrained, however good its loss looks, and a short
 * run ends with grey blobs that would otherwise go unexplained.
 */
public final class ResultCheck {
    /**
     * The least a trained model's denoised PSNR beats the noisy input's by, in dB: a model trained with
     * the recipe gains far more (docs/SPEC.md §3.1), and the end-to-end test holds a one-epoch run to it.
     */
    public static final double MIN_GAIN_DB = 3;

    private ResultCheck() {}

    /** Whether the denoised images score below the noisy input: the model makes the images worse. */
    public static boolean belowNoisy(Evaluation.Result test) {
        return test.psnrDenoised() < test.psnrNoisy();
    }

    /**
     * One line when {@code test} gains less than {@link #MIN_GAIN_DB} over the noisy input, else null:
     * the model is undertrained. A run that trained on fewer images than the recipe ({@link
     * TrainingConfig#EPOCHS} epochs of {@code allTrainImages}, the data's whole training split) is told
     * what the recipe needs and about how long it takes at the {@code imagesPerSecond} the run measured
     * (0: unknown, left out); one that trained as long is told to train longer.
     */
    public static String undertrained(Evaluation.Result test, long trainedImages, int allTrainImages, double imagesPerSecond) {
        return undertrained(test.psnrNoisy(), test.psnrDenoised(), Double.NaN, trainedImages, allTrainImages, imagesPerSecond);
    }

    /**
     * The same from the PSNRs of the noisy input, the model's output and, where there is one (else NaN),
     * the classical blur baseline, which a trained model must also beat.
     */
    public static String undertrained(double psnrNoisy, double psnrDenoised, double psnrBlur, long trainedImages, int allTrainImages,
                                      double imagesPerSecond) {
        double gain = psnrDenoised - psnrNoisy;
        boolean belowBlur = !Double.isNaN(psnrBlur) && psnrDenoised < psnrBlur;
        if (gain >= MIN_GAIN_DB && !belowBlur) return null;
        String scores = String.format(Locale.ROOT, "note: the model is undertrained: its denoised test images score %.2f dB, %s the noisy "
                        + "input's %.2f dB (a trained model gains %.0f dB or more)%s; ", psnrDenoised,
                gain < 0 ? String.format(Locale.ROOT, "%.2f dB below", -gain) : String.format(Locale.ROOT, "only %.2f dB above", gain),
                psnrNoisy, MIN_GAIN_DB, belowBlur ? String.format(Locale.ROOT, " and below the Gaussian blur's %.2f dB", psnrBlur) : "");
        long recipeImages = (long) TrainingConfig.EPOCHS * allTrainImages;
        if (trainedImages >= recipeImages)
            return scores + "it trained as long as the recipe (" + TrainingConfig.EPOCHS + " epochs of all the training images): give it more --epochs";
        String time = imagesPerSecond > 0 && Double.isFinite(imagesPerSecond)
                ? String.format(Locale.ROOT, ", about %s on this engine at the %,.0f images/s measured",
                        ProgressBar.duration(recipeImages / imagesPerSecond), imagesPerSecond)
                : "";
        return scores + String.format(Locale.ROOT, "the recipe trains %d epochs of all %,d training images (--epochs %d without --limit)%s",
                TrainingConfig.EPOCHS, allTrainImages, TrainingConfig.EPOCHS, time);
    }
}
