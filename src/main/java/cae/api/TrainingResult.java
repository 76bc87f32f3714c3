package cae.api;

import java.nio.file.Path;

/**
 * What a training run left and measured. When it finished, its folder holds {@code model.safetensors},
 * {@code checkpoint.safetensors}, {@code loss.csv}, {@code loss.png}, {@code reconstructions.png} and
 * {@code metrics.json}; when it was stopped, the checkpoint and {@code loss.csv}, and the test metrics
 * here are NaN.
 *
 * @param finished whether the run ended with its model and metrics written: every epoch ran, or the time budget
 *                 ({@link TrainingSettings#maxMinutes()}) was spent, with fewer steps (false: stopped by
 *                 {@link TrainingListener#stopRequested()} or Ctrl-C)
 * @param folder the run's folder
 * @param steps the training steps done
 * @param testLoss the mean loss on the test images (for photographs, their crops)
 * @param psnrNoisyDb PSNR of the noisy test images against the clean ones, in dB
 * @param psnrDenoisedDb PSNR of the denoised test images against the clean ones, in dB
 * @param trainImagesPerSecond training speed over the run
 */
public record TrainingResult(boolean finished, Path folder, long steps, double testLoss, double psnrNoisyDb,
                             double psnrDenoisedDb, double trainImagesPerSecond) {
    /** The trained model, {@code folder/model.safetensors}, for {@link Model#load(Path)} (written only when finished). */
    public Path model() { return folder.resolve(cae.model.ModelFile.NAME); }
}
