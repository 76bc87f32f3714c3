package cae.api;

import cae.data.DataException;
import cae.data.DataSet;
import cae.data.ImageFolder;
import cae.data.MnistFetcher;
import cae.engine.Engine;
import cae.io.ModelFileException;
import cae.train.Trainer;
import cae.train.RunData;
import cae.train.TrainingConfig;
import cae.train.TrainingRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        try (Lines log = new Lines(listener::message)) {
            Path out = settings.out() != null ? settings.out() : TrainingRun.newRunFolder("");
            if (Files.exists(out) && !Files.isDirectory(out)) throw new IOException(out + ": exists and is not a folder");
            List<String> taken = TrainingRun.runFilesIn(out);
            if (!taken.isEmpty())
                throw new IllegalArgumentException(out + " already holds a run (" + String.join(", ", taken) + "); choose another folder");
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
            String problem = TrainingRun.batchProblem(data, config.batch(), config.limit(), config.crops());
            if (problem != null) throw new IllegalArgumentException(problem);

            try (Engine engine = settings.engine().open(log)) {
                TrainingRun run = new TrainingRun(engine, data, config, out, log, (start, total, imagesPerStep) -> null);
                if (settings.maxMinutes() > 0) run.maxMinutes(settings.maxMinutes());
                run.onEveryStep((step, steps, epoch, loss) -> listener.progress(new TrainingProgress(epoch, config.epochs(), step, steps, loss)));
                run.stopWhen(listener::stopRequested);
                TrainingRun.Summary summary = run.run(null);
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
}
