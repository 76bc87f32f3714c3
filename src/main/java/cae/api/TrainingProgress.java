package cae.api;

/**
 * One training step done: the {@code step}-th of {@code steps} in the run (both counted from 1), in epoch
 * {@code epoch} of {@code epochs} (from 1), with the step's training loss (the model's loss, sigmoid
 * cross-entropy or mean squared error, mean over the batch's pixels).
 */
public record TrainingProgress(int epoch, int epochs, long step, long steps, float loss) {}
