package cae.train;

import cae.data.DataSet;
import cae.data.Images;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.io.AtomicFiles;
import cae.io.ImageGrid;
import cae.io.LossPlot;
import cae.io.Pictures;
import cae.model.Adam;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.ModelFile;
import com.google.gson.GsonBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One training run and everything it leaves in its output folder (SPEC §5): loss.csv as it goes, a
 * checkpoint at every epoch end and on Ctrl-C, then model.safetensors, the test metrics, loss.png and
 * reconstructions.png.
 */
public final class TrainingRun {
    public static final String METRICS = "metrics.json", LOSS_PLOT = "loss.png", RECONSTRUCTIONS = "reconstructions.png";

    /** How a run ended. */
    public enum Outcome { FINISHED, INTERRUPTED }

    /** What a run measured: null test result and speed when it was interrupted. */
    public record Summary(Outcome outcome, TrainingState state, Evaluation.Result test, double trainImagesPerSecond) {}

    private final Engine engine;
    private final DataSet data;
    private final TrainingConfig config;
    private final Path out;
    private final PrintStream log;
    private final ProgressBar.Factory progress;

    public TrainingRun(Engine engine, DataSet data, TrainingConfig config, Path out, PrintStream log, ProgressBar.Factory progress) {
        this.engine = engine;
        this.data = data;
        this.config = config;
        this.out = out;
        this.log = log;
        this.progress = progress;
    }

    /** How many training images a run with this limit takes from {@code data}. */
    public static int trainImageCount(DataSet data, int limit) {
        int all = data.train().count();
        return limit > 0 ? Math.min(limit, all) : all;
    }

    /** A note for a limit above the training images there are (they are all taken), or null. */
    public static String limitNote(DataSet data, int limit) {
        int all = data.train().count();
        return limit > all ? "note: --limit " + limit + " is more than the " + all + " training images; training on all of them" : null;
    }

    /** "1 step", "2 steps". */
    private static String count(long n, String thing) { return n + " " + thing + (n == 1 ? "" : "s"); }

    /** runs/[prefix]date-time, or with -2, -3, ... when a run started in the same second already has it. */
    public static Path newRunFolder(String prefix) {
        String stamp = prefix + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path folder = Path.of("runs", stamp);
        for (int n = 2; Files.exists(folder); n++) folder = Path.of("runs", stamp + "-" + n);
        return folder;
    }

    /** The files of a run that {@code folder} already holds (none: it may take a new run). */
    public static List<String> runFilesIn(Path folder) {
        return java.util.stream.Stream.of(Checkpoint.NAME, ModelFile.NAME, LossLog.NAME, METRICS)
                .filter(name -> Files.exists(folder.resolve(name))).toList();
    }

    /** The training images: the recipe's train split, or its first {@code limit} images. */
    Images trainImages() {
        Images train = data.train();
        int count = trainImageCount(data, config.limit());
        return count < train.count() ? train.slice("train", 0, count) : train;
    }

    /**
     * Why a run with this batch and limit cannot train on {@code data} ("batch B is larger than the N
     * training images (--limit L) of ..."), or null when at least one batch's worth of images is there.
     */
    public static String batchProblem(DataSet data, int batch, int limit) {
        int images = trainImageCount(data, limit);
        if (batch <= images) return null;
        return "batch " + batch + " is larger than the " + images + " training images" + (limit > 0 ? " (--limit " + limit + ")" : "")
                + " of " + data.describe();
    }

    private long[] profiledSteps;
    private Path lossLogFrom;
    private StepListener stepListener;
    private BooleanSupplier stopWhen = () -> false;
    private boolean stoppedByCaller;

    /** Told of each step's loss as training goes. */
    public interface StepListener {
        /**
         * {@code step} steps of {@code totalSteps} are done, the last in {@code epoch} (1-based), with this
         * loss. Called for every step in order, in bursts: the losses arrive in the chunks of
         * {@link Trainer.Listener#losses}.
         */
        void step(long step, long totalSteps, int epoch, float loss);
    }

    public void onEveryStep(StepListener listener) { stepListener = listener; }

    /** Checked after every step: true stops the run as Ctrl-C does (a checkpoint, then {@link Outcome#INTERRUPTED}). */
    public void stopWhen(BooleanSupplier condition) { stopWhen = condition; }

    /**
     * Where the steps before the resumed one are logged, when the run continues into a folder other
     * than its own: their rows are copied into this run's loss.csv.
     */
    public void continueLossLogFrom(Path earlierLossLog) { lossLogFrom = earlierLossLog; }

    /** Brackets training steps [from, to) for a profiler (see {@link Trainer#profileSteps}). */
    public void profileSteps(long from, long to) { profiledSteps = new long[] {from, to}; }

    public Summary run(TrainingState resume) throws IOException {
        Files.createDirectories(out);
        Images train = trainImages();
        String dataHash = data.sha256().getOrDefault(DataSet.TRAIN_IMAGES, "");
        ImageSet trainSet = engine.upload(train.pixels(), train.count(), train.height(), train.width());
        Trainer trainer = new Trainer(engine, config, trainSet);
        if (profiledSteps != null) trainer.profileSteps(profiledSteps[0], profiledSteps[1]);
        TrainingState state = resume != null ? resume : TrainingState.fresh(config);
        long total = trainer.totalSteps();
        log.printf("training %s on %s: %s (%s per epoch), %s, batch %d, lr %s, noise %s, seed %d; %s%n",
                trainer.model().arch, data.describe(), count(train.count(), "image"), count(trainer.stepsPerEpoch(), "step"),
                count(config.epochs(), "epoch"), config.batch(), config.learningRate(), config.noise(), config.seed(), engine.describe());
        if (state.step > 0) log.printf("resuming at step %d of %d%n", state.step, total);
        if (!state.history.complete())
            log.println("note: this checkpoint was written before runs kept their history: metrics.json and loss.png will cover "
                    + "only what is trained from here");
        if (state.step >= total) log.println("the checkpoint has already finished all epochs; writing the outputs again");

        Evaluation evaluation = new Evaluation(trainer.model(), config.noise());
        ImageSet validation = data.validation()
                .map(v -> engine.upload(v.pixels(), v.count(), v.height(), v.width())).orElse(null);
        RunHistory history = state.history;
        Interrupt interrupt = new Interrupt();
        long startStep = state.step;
        Path earlierLossLog = lossLogFrom != null ? lossLogFrom : out.resolve(LossLog.NAME);

        try (LossLog lossLog = new LossLog(out.resolve(LossLog.NAME), earlierLossLog, state.step, trainer.stepsPerEpoch())) {
            ProgressBar bar = progress.create(state.step, total, config.batch());
            long[] epochStart = {System.nanoTime()}, epochStartStep = {state.step};
            interrupt.install();
            try {
                trainer.run(state, new Trainer.Listener() {
                    @Override public void progress(long stepsDone) { if (bar != null) bar.update(stepsDone); }

                    @Override public void losses(long firstStep, float[] losses) {
                        lossLog.append(firstStep, losses);
                        if (stepListener != null)
                            for (int i = 0; i < losses.length; i++) {
                                long step = firstStep + i + 1;
                                stepListener.step(step, total, (int) ((step - 1) / trainer.stepsPerEpoch() + 1), losses[i]);
                            }
                        long last = firstStep + losses.length;
                        if (last % TrainingConfig.LOG_EVERY == 0) {
                            if (bar != null) bar.clear();
                            log.printf("Epoch: %d/%d... Training loss: %.4f%n", (last - 1) / trainer.stepsPerEpoch() + 1,
                                    config.epochs(), losses[losses.length - 1]);
                        }
                    }

                    @Override public void epochEnd(int epoch, TrainingState current) {
                        long now = System.nanoTime();
                        double seconds = (now - epochStart[0]) / 1e9;
                        history.epochSeconds.add(seconds);
                        history.addTraining(current.step - epochStartStep[0], seconds);
                        epochStartStep[0] = current.step;
                        if (bar != null) bar.clear();
                        String line = String.format("epoch %d/%d done in %.1f s", epoch + 1, config.epochs(), seconds);
                        if (validation != null) {
                            Evaluation.Result v = evaluation.score(validation);
                            history.validation.add(new LossPlot.Point(current.step, v.loss()));
                            line += String.format(", validation loss %.4f", v.loss());
                        }
                        saveCheckpoint(current, trainer.stepsPerEpoch(), dataHash);
                        log.println(line + ", checkpoint saved");
                        epochStart[0] = System.nanoTime();
                    }

                    @Override public boolean stopRequested() {
                        if (!stoppedByCaller && stopWhen.getAsBoolean()) stoppedByCaller = true;
                        return interrupt.requested || stoppedByCaller;
                    }
                });
            } finally {
                if (bar != null) bar.clear();
            }
            if (interrupt.requested || stoppedByCaller) {
                history.addTraining(state.step - epochStartStep[0], (System.nanoTime() - epochStart[0]) / 1e9);
                saveCheckpoint(state, trainer.stepsPerEpoch(), dataHash);
                log.printf("interrupted at step %d of %d: checkpoint saved in %s; continue with --resume %s%n",
                        state.step, total, out, out);
                interrupt.done();
                return new Summary(Outcome.INTERRUPTED, state, null, 0);
            }
            interrupt.remove();
            if (state.step == startStep) saveCheckpoint(state, trainer.stepsPerEpoch(), dataHash);   // nothing trained: --out may not hold it yet
            double imagesPerSecond = history.imagesPerSecond(config.batch());
            Evaluation.Result test = writeOutputs(trainer.model(), evaluation, state, lossLog, imagesPerSecond, dataHash);
            return new Summary(Outcome.FINISHED, state, test, imagesPerSecond);
        } finally {
            interrupt.done();
        }
    }

    private void saveCheckpoint(TrainingState state, long stepsPerEpoch, String dataHash) {
        try {
            Checkpoint.write(out.resolve(Checkpoint.NAME), state, stepsPerEpoch, dataHash);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the checkpoint in " + out + ": " + e.getMessage(), e);
        }
    }

    private Evaluation.Result writeOutputs(Autoencoder model, Evaluation evaluation, TrainingState state, LossLog lossLog,
                                           double imagesPerSecond, String dataHash) throws IOException {
        List<LossPlot.Point> validationPoints = state.history.validation;
        // the checkpoint of this step is saved (at the last epoch end, or by run()); the engine's model holds state.params
        ModelFile.write(out.resolve(ModelFile.NAME), model.arch, state.params, modelMetadata(state, dataHash));

        Images test = data.test();
        ImageSet testSet = engine.upload(test.pixels(), test.count(), test.height(), test.width());
        Evaluation.Result result = evaluation.score(testSet);
        log.printf("test (%d images): loss %.4f, PSNR noisy %.2f dB, denoised %.2f dB%n",
                result.images(), result.loss(), result.psnrNoisy(), result.psnrDenoised());

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", Architecture.NAME);
        metrics.put("decoder", config.decoder().id());
        metrics.put("parameters", model.arch.parameterCount());
        metrics.put("engine", engine.describe());
        metrics.put("data", data.describe());
        metrics.put("config", config.settings());
        metrics.put("steps", state.step);
        Map<String, Object> testMetrics = new LinkedHashMap<>();
        testMetrics.put("images", result.images());
        testMetrics.put("noise", config.noise());
        testMetrics.put("loss", result.loss());
        testMetrics.put("psnr_noisy_db", result.psnrNoisy());
        testMetrics.put("psnr_denoised_db", result.psnrDenoised());
        testMetrics.put("checkerboard_denoised", result.checkerboardDenoised());
        testMetrics.put("checkerboard_clean", result.checkerboardClean());
        metrics.put("test", testMetrics);
        List<Double> validationLosses = new ArrayList<>();
        for (LossPlot.Point p : validationPoints) validationLosses.add(p.loss());
        metrics.put("validation_loss_per_epoch", validationLosses);
        Map<String, Object> speed = new LinkedHashMap<>();
        speed.put("train_images_per_s", imagesPerSecond);
        speed.put("epoch_seconds", state.history.epochSeconds);
        metrics.put("speed", speed);
        metrics.put("finished", Instant.now().toString());
        AtomicFiles.writeString(out.resolve(METRICS), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(metrics) + "\n");

        List<String> written = new ArrayList<>(List.of(ModelFile.NAME, Checkpoint.NAME, LossLog.NAME));
        if (Pictures.writeOrSkip(out.resolve(LOSS_PLOT), () -> new LossPlot("Training loss, " + model.arch).training(lossLog.points())
                .evaluation("validation loss", validationPoints).logScale(true).write(out.resolve(LOSS_PLOT)), log))
            written.add(LOSS_PLOT);
        Evaluation.Samples samples = evaluation.samples(testSet, 10);
        if (Pictures.writeOrSkip(out.resolve(RECONSTRUCTIONS), () -> writeReconstructions(samples, out.resolve(RECONSTRUCTIONS)), log))
            written.add(RECONSTRUCTIONS);
        written.add(METRICS);
        log.printf("wrote %s and %s in %s%n", String.join(", ", written.subList(0, written.size() - 1)), METRICS, out);
        return result;
    }

    /** Clean, noisy and denoised test digits in three rows. */
    static void writeReconstructions(Evaluation.Samples s, Path file) throws IOException {
        new ImageGrid(s.width(), s.height()).scale(3).row("clean", s.cleanImages()).row("noisy", s.noisyImages())
                .row("denoised", s.denoisedImages()).write(file);
    }

    private Map<String, String> modelMetadata(TrainingState state, String dataHash) {
        Map<String, String> meta = new LinkedHashMap<>(config.metadata());
        meta.put("steps", Long.toString(state.step));
        meta.put("optimizer", Adam.describe());
        meta.put("dataset", data.isMnist() ? "mnist" : data.describe());
        meta.put("dataset_sha256", dataHash);
        meta.put(ModelFile.IMAGE_HEIGHT, Integer.toString(data.height()));
        meta.put(ModelFile.IMAGE_WIDTH, Integer.toString(data.width()));
        meta.put("engine", engine.describe());
        return meta;
    }

    /** Ctrl-C: ask the loop to stop at the next step, and hold the JVM until the checkpoint is saved. */
    private static final class Interrupt {
        volatile boolean requested;
        private final CountDownLatch saved = new CountDownLatch(1);
        private final Thread hook = new Thread(() -> {
            requested = true;
            try {
                saved.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "cae-interrupt");

        void install() { Runtime.getRuntime().addShutdownHook(hook); }

        void remove() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running; done() releases it
            }
        }

        void done() { saved.countDown(); }
    }
}
