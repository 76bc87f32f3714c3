package cae.api;

/**
 * Hears how a training run goes. Only {@link #progress} must be written, so a lambda will do:
 *
 * <pre>{@code
 * Training.run(settings, p -> System.out.printf("epoch %d, step %d, loss %.4f%n", p.epoch(), p.step(), p.loss()));
 * }</pre>
 *
 * <p>Called on the thread that called {@link Training#run}, between steps: a slow listener slows the
 * training.
 */
@FunctionalInterface
public interface TrainingListener {
    /**
     * Every step, in order. The steps arrive in bursts of up to 100 and at each epoch end (the engine
     * hands the losses back in chunks, so that the GPU is not stopped after every step).
     */
    void progress(TrainingProgress progress);

    /**
     * The lines the command line prints while training, one at a time without the newline: the run's
     * settings, the recipe's log line every 100 steps, each epoch's time and validation loss, notes
     * (such as why the CPU engine runs), the test metrics and the files written. Ignored by default.
     */
    default void message(String line) {}

    /**
     * Checked after every step: true stops the run there, as Ctrl-C does on the command line (a
     * checkpoint is saved, no model is written, and {@link TrainingResult#finished()} is false).
     */
    default boolean stopRequested() { return false; }
}
