package cae.api;

import cae.data.DataException;
import cae.data.DataSet;
import cae.data.ImageFolder;
import cae.data.MnistFetcher;
import cae.engine.Engine;
import cae.io.ModelFileException;
import cae.train.Checkpoint;
import cae.train.Trainer;
import cae.train.RunData;
import cae.train.TrainingConfig;
import cae.train.TrainingRun;
import cae.train.TrainingState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a model as the command line's {@code train} does, into a run folder with the same files:
 *
 * <pre>{@code
 * TrainingResult result = Training.run(TrainingSettings.builder().epochs(1).build(),
 *         p -> System.out.printf("epoch %d, step %d/%d, loss %.4f%n", p.epoch(), p.step(), p.steps(), p.loss()));
 * try (Model model = Model.load(result.model())) { ... }
 * }</pre>
 *
 * <p>The same settings give the same model as the command line, bit for bit on the CPU engine. While a
 * run trains, Ctrl-C (the JVM's shutdown) saves a checkpoint before the JVM ends, as on the command line.
 * A run that stopped (Ctrl-C, {@link TrainingListener#stopRequested()}, a failure after a checkpoint)
 * goes on with {@link #resume}, given the same settings, to the same model as a run that never stopped.
 */
public final class Training {
    private Training() {}

    /** Trains, telling nothing as it goes. */
    public static TrainingResult run(TrainingSettings settings) throws IOException {
        return run(settings, progress -> {});
    }

    /**
     * Trains, telling {@code listener} every step's loss and the command line's log lines.
     *
     * @throws IllegalArgumentException when the run's folder already holds a run, the batch is larger
     *         than the training images (or their crops), or a folder of photographs does not fit the
     *         settings: images of different sizes without a patch, a patch larger than the smallest
     *         image, no test images
     * @throws IllegalStateException for {@link Device#CUDA} where the CUDA engine cannot run, or when the
     *         loss becomes NaN or infinite (training stops; the last checkpoint stays as it was)
     * @throws IOException when the data cannot be read or fetched, or a file cannot be written
     */
    public static TrainingResult run(TrainingSettings settings, TrainingListener listener) throws IOException {
        return train(settings, listener, false);
    }

    /** {@link #resume(TrainingSettings, TrainingListener)}, telling nothing as it goes. */
    public static TrainingResult resume(TrainingSettings settings) throws IOException {
        return resume(settings, progress -> {});
    }

    /**
     * Goes on with the run in {@code settings.out()} from its checkpoint (written at the end of each
     * epoch and when a run stops), into the same folder: the loss log, the outputs and the result cover
     * the whole run, and the model is the one a run that never stopped gives, bit for bit on the CPU
     * engine. The settings must be the run's own, but for {@code epochs} (more finish a longer run)
     * and {@code maxMinutes}; the data must be the data it trained on.
     *
     * @throws IllegalArgumentException when the settings name no folder, differ from the checkpoint's
     *         (each difference is named), ask for fewer epochs than the checkpoint has begun, or the
     *         data is not the data the run trained on; and as {@link #run(TrainingSettings, TrainingListener)}
     * @throws IOException when the folder holds no checkpoint or a damaged one, and as {@link #run(TrainingSettings, TrainingListener)}
     */
    public static TrainingResult resume(TrainingSettings settings, TrainingListener listener) throws IOException {
        if (settings.out() == null)
            throw new IllegalArgumentException("resuming needs the run's folder: give the settings out(folder) of the run to go on with");
        return train(settings, listener, true);
    }

    private static TrainingResult train(TrainingSettings settings, TrainingListener listener, boolean resume) throws IOException {
        try (Lines log = new Lines(listener::message)) {
            Path out = settings.out() != null ? settings.out() : TrainingRun.newRunFolder("");
            if (Files.exists(out) && !Files.isDirectory(out)) throw new IOException(out + ": exists and is not a folder");
            Checkpoint.Loaded checkpoint = resume ? Checkpoint.read(out) : null;
            if (!resume) {
                List<String> taken = TrainingRun.runFilesIn(out);
                if (!taken.isEmpty())
                    throw new IllegalArgumentException(out + " already holds a run (" + String.join(", ", taken) + "); choose another folder"
                            + (taken.contains(Checkpoint.NAME) ? ", or go on with it with Training.resume" : ""));
            }
            TrainingConfig config;
            RunData data;
            if (settings.photos()) {
                ImageFolder folder = ImageFolder.load(settings.photoOptions(log));
                config = settings.config(folder.channels());
                data = RunData.of(folder, config.limit());
                String problem = data.sizeProblem(config.patch(), TrainingSettings.NAMING);
                if (problem != null) throw new IllegalArgumentException(problem);
            } else {
                DataSet idx = settings.data() != null ? DataSet.load(settings.data()) : MnistFetcher.load(MnistFetcher.defaultCacheDir(), log);
                config = settings.config(1);
                String limitNote = TrainingRun.limitNote(idx, config.limit());
                if (limitNote != null) log.println(limitNote);
                data = RunData.of(idx, config.limit());
            }
            TrainingState resumed = null;
            if (checkpoint != null) {
                List<String> changed = changedSettings(checkpoint.state().config, config);
                if (!changed.isEmpty())
                    throw new IllegalArgumentException(String.join(", ", changed) + " in the settings, where the checkpoint in " + out
                            + " has " + checkpoint.state().config.metadata() + ": a run goes on with its own settings (only epochs and maxMinutes may change)");
                String otherData = TrainingRun.otherDataProblem(checkpoint, data);
                if (otherData != null) throw new IllegalArgumentException(otherData);
                String tooFew = TrainingRun.epochsProblem(checkpoint, config, config.stepsPerEpoch(data.train().count()), "epochs");
                if (tooFew != null) throw new IllegalArgumentException(tooFew);
                TrainingState saved = checkpoint.state();
                resumed = new TrainingState(config, saved.step, saved.params, saved.adamM, saved.adamV, saved.history);
            }
            String problem = TrainingRun.batchProblem(data, config.batch(), config.limit(), config.crops());
            if (problem != null) throw new IllegalArgumentException(problem);

            try (Engine engine = settings.engine().open(log)) {
                TrainingRun run = new TrainingRun(engine, data, config, out, log, (start, total, imagesPerStep) -> null);
                if (settings.maxMinutes() > 0) run.maxMinutes(settings.maxMinutes());
                run.onEveryStep((step, steps, epoch, loss) -> listener.progress(new TrainingProgress(epoch, config.epochs(), step, steps, loss)));
                run.stopWhen(listener::stopRequested);
                TrainingRun.Summary summary = run.run(resumed);
                boolean finished = summary.outcome() == TrainingRun.Outcome.FINISHED;
                return new TrainingResult(finished, out, summary.state().step,
                        finished ? summary.test().loss() : Double.NaN, finished ? summary.test().psnrNoisy() : Double.NaN,
                        finished ? summary.test().psnrDenoised() : Double.NaN, summary.trainImagesPerSecond());
            }
        } catch (DataException | ModelFileException e) {
            throw new IOException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (Trainer.DivergedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The settings (but epochs) in which {@code now} differs from the checkpoint's, as "batch 100 (the checkpoint's: 50)". */
    private static List<String> changedSettings(TrainingConfig checkpoint, TrainingConfig now) {
        Map<String, Object> was = checkpoint.settings(), is = now.settings();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Object> setting : is.entrySet()) {
            String name = setting.getKey();
            if (name.equals("epochs") || Objects.equals(String.valueOf(setting.getValue()), String.valueOf(was.get(name)))) continue;
            changed.add(name.replace("learning_rate", "learningRate") + " " + setting.getValue() + " (the checkpoint's: " + was.get(name) + ")");
        }
        return changed;
    }
}
