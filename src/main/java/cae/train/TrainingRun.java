package cae.train;

import cae.io.ProgressBar;
import cae.data.DataSet;
import cae.data.Images;
import cae.engine.Engine;
import cae.data.ImageFolder;
import cae.engine.ImageSet;
import cae.metrics.GaussianBlur;
import cae.metrics.PhotoEvaluation;
import cae.io.AtomicFiles;
import cae.io.ImageGrid;
import cae.io.LossPlot;
import cae.io.Pictures;
import cae.model.Adam;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.ModelFile;
import cae.profile.Ranges;
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
 * One training run and everything it leaves in its output folder (docs/SPEC.md §5): loss.csv as it goes, a
 * checkpoint at every epoch end and on Ctrl-C, then model.safetensors, the test metrics, loss.png and
 * reconstructions.png.
 */
public final class TrainingRun {
    public static final String METRICS = "metrics.json", LOSS_PLOT = "loss.png", RECONSTRUCTIONS = "reconstructions.png";

    /** How a run ended. */
    public enum Outcome { FINISHED, INTERRUPTED }

    /**
     * What a run measured: null test result and speed when it was interrupted; {@code wholeTest}, the test
     * photographs scored whole, only for a folder of photos whose images are large enough for SSIM.
     */
    public record Summary(Outcome outcome, TrainingState state, Evaluation.Result test, PhotoEvaluation.Result wholeTest,
                          double trainImagesPerSecond) {}

    /** The test scores: on the test images (or their crops), and on the test photographs whole where they were scored so. */
    private record TestScores(Evaluation.Result images, PhotoEvaluation.Result whole) {}

    private final Engine engine;
    private final RunData data;
    private final TrainingConfig config;
    private final Path out;
    private final PrintStream log;
    private final ProgressBar.Factory progress;

    /** A run on an IDX data set (its first {@code config.limit()} training images where that is set). */
    public TrainingRun(Engine engine, DataSet data, TrainingConfig config, Path out, PrintStream log, ProgressBar.Factory progress) {
        this(engine, RunData.of(data, config.limit()), config, out, log, progress);
    }

    /** A run on any data: {@code data}'s training part is what it trains on (already limited). */
    public TrainingRun(Engine engine, RunData data, TrainingConfig config, Path out, PrintStream log, ProgressBar.Factory progress) {
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
        return java.util.stream.Stream.of(Checkpoint.NAME, ModelFile.NAME, LossLog.NAME, METRICS, LOSS_PLOT, RECONSTRUCTIONS)
                .filter(name -> Files.exists(folder.resolve(name))).toList();
    }

    /**
     * Why a run with this batch and limit cannot train on {@code data} ("batch B is larger than the N
     * training images (--limit L) of ..."), or null when at least one batch's worth of images is there.
     */
    public static String batchProblem(DataSet data, int batch, int limit) {
        return batchProblem(trainImageCount(data, limit), data.describe(), batch, limit);
    }

    /** The same for any data, whose training part is already limited, with {@code crops} samples of each image an epoch. */
    public static String batchProblem(RunData data, int batch, int limit, int crops) {
        int images = data.train().count();
        if ((long) images * crops >= batch) return null;
        return crops == 1 ? batchProblem(images, data.description(), batch, limit)
                : "batch " + batch + " is more than the " + images + " training images' " + (long) images * crops + " crops (--crops " + crops + ")"
                + (limit > 0 ? " (--limit " + limit + ")" : "") + " of " + data.description();
    }

    /**
     * Why a run cannot go on from {@code checkpoint} with {@code data}: the checkpoint says it was
     * trained on data of another identity (its SHA-256 over the images). Null when it may, or when
     * the checkpoint does not say (files written before the identity was recorded).
     */
    public static String otherDataProblem(Checkpoint.Loaded checkpoint, RunData data) {
        if (checkpoint.dataSha256().isEmpty() || checkpoint.dataSha256().equals(data.identity())) return null;
        return "the checkpoint in " + checkpoint.file() + " was trained on other data (data sha256 " + checkpoint.dataSha256()
                + ", now " + data.identity() + ")";
    }

    /**
     * Why {@code config.epochs()} cannot finish the run the checkpoint is in (it is past them), named
     * {@code epochsSetting} ("--epochs", "epochs"); null when it can. Checks the checkpoint's step
     * against its own account of its epoch first ({@link Checkpoint.Loaded#checkStep}).
     */
    public static String epochsProblem(Checkpoint.Loaded checkpoint, TrainingConfig config, long stepsPerEpoch, String epochsSetting) {
        checkpoint.checkStep(stepsPerEpoch);
        long step = checkpoint.state().step;
        if (step <= config.epochs() * stepsPerEpoch) return null;
        long epochsNeeded = (step + stepsPerEpoch - 1) / stepsPerEpoch;  // a started epoch counts
        return epochsSetting + " " + config.epochs() + ": the checkpoint is at step " + step + ", in epoch " + epochsNeeded + " of "
                + stepsPerEpoch + " steps; give " + epochsSetting + " " + epochsNeeded + " or more";
    }

    private static String batchProblem(int images, String data, int batch, int limit) {
        if (batch <= images) return null;
        return "batch " + batch + " is larger than the " + images + " training images" + (limit > 0 ? " (--limit " + limit + ")" : "")
                + " of " + data;
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

    private double maxMinutes = 0;

    /**
     * A time budget: after {@code minutes} of training (0: none) the run stops at the next step, saves
     * its checkpoint and writes every output as a finished run does; a resume goes on towards --epochs.
     */
    public void maxMinutes(double minutes) {
        if (!(minutes >= 0) || Double.isInfinite(minutes)) throw new IllegalArgumentException("--max-minutes must be zero (none) or positive, got " + minutes);
        maxMinutes = minutes;
    }

    /**
     * Where the steps before the resumed one are logged, when the run continues into a folder other
     * than its own: their rows are copied into this run's loss.csv.
     */
    public void continueLossLogFrom(Path earlierLossLog) { lossLogFrom = earlierLossLog; }

    /** Brackets training steps [from, to) for a profiler (see {@link Trainer#profileSteps}). */
    public void profileSteps(long from, long to) { profiledSteps = new long[] {from, to}; }

    private Ranges ranges = Ranges.NONE;
    private ImageSet sharedTestSet, sharedTestNoisy;
    private PrintStream scoringProgress;
    private boolean onTerminal;

    /**
     * Shows the progress of scoring (each epoch's validation, the test set) on {@code out}: a bar where
     * {@code terminal}, else a plain line every few seconds. Without this call, none.
     */
    public void showScoringProgress(PrintStream out, boolean terminal) {
        scoringProgress = out;
        onTerminal = terminal;
    }

    private Evaluation.Result score(Evaluation evaluation, ImageSet images, ImageSet noisyTwins, String what) {
        return scoringProgress == null ? evaluation.score(images, noisyTwins) : evaluation.score(images, noisyTwins, scoringProgress, onTerminal, what);
    }

    /** Where this run comes from; made when it starts. */
    private Provenance provenance;

    /**
     * Names the run's phases on a profiler's timeline: the run ("run nearest"), its uploads, epochs and
     * steps, evaluations, checkpoint writes and the model file.
     */
    public void ranges(Ranges ranges) { this.ranges = ranges; }

    /**
     * Scores the run on {@code testSet}, {@code data}'s test images already on this run's engine (a
     * comparison uploads them once for all its runs), and on {@code noisyTwins}, their real noisy twins
     * (null where the test images have none), instead of uploading them; the caller releases both.
     */
    public void useTestSet(ImageSet testSet, ImageSet noisyTwins) {
        sharedTestSet = testSet;
        sharedTestNoisy = noisyTwins;
    }

    /**
     * Trains from {@code resume} (null: from step 0) and writes the outputs. The caller holds the output
     * folder (its {@link cae.io.FolderLock}): temporary files that killed writes left there are removed.
     * Everything the run puts on the engine is released when it ends, however it ends. On Ctrl-C the
     * JVM may exit as soon as this returns, so the run's outermost range is closed before the
     * interrupt is let go.
     */
    public Summary run(TrainingState resume) throws IOException {
        provenance = Provenance.of(engine, Instant.now());
        Files.createDirectories(out);
        AtomicFiles.removeLeftovers(out);
        Interrupt interrupt = new Interrupt();
        List<ImageSet> uploaded = new ArrayList<>();
        ranges.push("run " + config.decoder().id());
        try {
            RunData.Part train = data.train();
            ImageSet trainSet = upload(train, "train", uploaded);
            ImageSet noisyTwins = uploadNoisy(train, "train", uploaded);
            try (Trainer trainer = new Trainer(engine, config, trainSet, noisyTwins)) {
                return train(trainer, train, resume, interrupt, uploaded);
            }
        } finally {
            try {
                for (ImageSet set : uploaded) engine.release(set);
            } finally {
                ranges.pop();
                interrupt.done();
            }
        }
    }

    /** {@code images} on the engine, in a range of its own; added to {@code uploaded}, which the run releases. */
    private ImageSet upload(RunData.Part part, String what, List<ImageSet> uploaded) {
        return upload(part.upload(), what, uploaded);
    }

    private ImageSet upload(java.util.function.Function<Engine, ImageSet> upload, String what, List<ImageSet> uploaded) {
        ranges.push("upload " + what + " images");
        try {
            ImageSet set = upload.apply(engine);
            uploaded.add(set);
            return set;
        } finally {
            ranges.pop();
        }
    }

    /** The part's real noisy twins on the engine, or null where it has none (the run adds noise). */
    private ImageSet uploadNoisy(RunData.Part part, String what, List<ImageSet> uploaded) {
        return part.hasNoisyTwins() ? upload(part.uploadNoisy(), "noisy " + what, uploaded) : null;
    }

    private Summary train(Trainer trainer, RunData.Part train, TrainingState resume, Interrupt interrupt, List<ImageSet> uploaded)
            throws IOException {
        String dataHash = data.identity();
        trainer.ranges(ranges);
        if (profiledSteps != null) trainer.profileSteps(profiledSteps[0], profiledSteps[1]);
        TrainingState state = resume != null ? resume : TrainingState.fresh(config);
        long total = trainer.totalSteps();
        log.printf("training %s on %s%s; %s per epoch, %s, batch %d, lr %s, noise %s, seed %d; %s%n",
                trainer.model().arch, ImagesUsed.describe(data, config.limit()), samplesOfEach(), count(trainer.stepsPerEpoch(), "step"),
                count(config.epochs(), "epoch"), config.batch(), config.learningRate(), config.noise(), config.seed(), engine.describe());
        if (state.step > 0) log.printf("resuming at step %d of %d%n", state.step, total);
        if (!state.history.complete())
            log.println("note: this checkpoint was written before runs kept their history: metrics.json and loss.png will cover "
                    + "only what is trained from here");
        if (state.step >= total) log.println("the checkpoint has already finished all epochs; writing the outputs again");

        Evaluation evaluation = new Evaluation(trainer.model(), config.noise(), ranges).crops(config.patch());
        ImageSet validation = data.validation() == null ? null : upload(data.validation(), "validation", uploaded);
        ImageSet validationNoisy = data.validation() == null ? null : uploadNoisy(data.validation(), "validation", uploaded);
        RunHistory history = state.history;
        Path earlierLossLog = lossLogFrom != null ? lossLogFrom : out.resolve(LossLog.NAME);
        // The checkpoint before anything else: a run killed at any moment from here leaves a folder that
        // --resume continues (from step 0 if no epoch ended), never a loss.csv without a checkpoint.
        saveCheckpoint(state, trainer.stepsPerEpoch(), dataHash);

        try (LossLog lossLog = new LossLog(out.resolve(LossLog.NAME), earlierLossLog, state.step, trainer.stepsPerEpoch())) {
            ProgressBar bar = progress.create(state.step, total, config.batch());
            long[] epochStart = {System.nanoTime()}, epochStartStep = {state.step};
            boolean budgeted = maxMinutes > 0;
            long deadline = System.nanoTime() + (long) (maxMinutes * 60e9);
            boolean[] budgetSpent = {false};
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
                        if (bar != null) bar.loss(losses[losses.length - 1]);
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
                            Evaluation.Result v = score(evaluation, validation, validationNoisy, "validation");
                            history.validation.add(new LossPlot.Point(current.step, v.loss()));
                            line += String.format(", validation loss %.4f", v.loss());
                        }
                        saveCheckpoint(current, trainer.stepsPerEpoch(), dataHash);
                        log.println(line + ", checkpoint saved");
                        epochStart[0] = System.nanoTime();
                    }

                    @Override public boolean stopRequested() {
                        if (!stoppedByCaller && stopWhen.getAsBoolean()) stoppedByCaller = true;
                        if (budgeted && !budgetSpent[0] && System.nanoTime() - deadline >= 0) budgetSpent[0] = true;
                        return interrupt.requested || stoppedByCaller || budgetSpent[0];
                    }
                });
            } finally {
                if (bar != null) bar.clear();
            }
            if (budgetSpent[0] && !interrupt.requested && !stoppedByCaller && state.step < total) {
                history.addTraining(state.step - epochStartStep[0], (System.nanoTime() - epochStart[0]) / 1e9);
                saveCheckpoint(state, trainer.stepsPerEpoch(), dataHash);
                log.printf("the time budget of %s minutes is spent at step %d of %d (epoch %d): checkpoint saved; writing the outputs "
                        + "(--resume %s goes on towards %s)%n", maxMinutes, state.step, total, state.step / trainer.stepsPerEpoch() + 1, out,
                        count(config.epochs(), "epoch"));
            }
            if (interrupt.requested || stoppedByCaller) {
                history.addTraining(state.step - epochStartStep[0], (System.nanoTime() - epochStart[0]) / 1e9);
                saveCheckpoint(state, trainer.stepsPerEpoch(), dataHash);
                log.printf("interrupted at step %d of %d: checkpoint saved in %s; continue with --resume %s%n",
                        state.step, total, out, out);
                return new Summary(Outcome.INTERRUPTED, state, null, null, 0);
            }
            double imagesPerSecond = history.imagesPerSecond(config.batch());
            TestScores test = writeOutputs(trainer.model(), evaluation, state, lossLog, imagesPerSecond, dataHash, interrupt, uploaded);
            if (test == null) return new Summary(Outcome.INTERRUPTED, state, null, null, 0);
            interrupt.remove();
            return new Summary(Outcome.FINISHED, state, test.images(), test.whole(), imagesPerSecond);
        }
    }

    /** ", 4 random 64 x 64 crops of each" where the run trains on crops. */
    private String samplesOfEach() {
        if (config.patch() == 0) return "";
        String side = config.patch() + " x " + config.patch();
        return config.crops() == 1 ? ", a random " + side + " crop of each" : ", " + config.crops() + " random " + side + " crops of each";
    }

    private void saveCheckpoint(TrainingState state, long stepsPerEpoch, String dataHash) {
        ranges.push("checkpoint");
        try {
            Checkpoint.write(out.resolve(Checkpoint.NAME), state, stepsPerEpoch, dataHash, provenance.metadata());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the checkpoint in " + out + ": " + e.getMessage(), e);
        } finally {
            ranges.pop();
        }
    }

    /**
     * Writes the model, scores it on the test set, then writes loss.png, reconstructions.png and, last,
     * metrics.json (so a folder with metrics.json holds every output). Ctrl-C stops it between two
     * outputs, each written whole; it then says in one line what was written and what not, and returns null.
     */
    private TestScores writeOutputs(Autoencoder model, Evaluation evaluation, TrainingState state, LossLog lossLog,
                                           double imagesPerSecond, String dataHash, Interrupt interrupt, List<ImageSet> uploaded)
            throws IOException {
        List<LossPlot.Point> validationPoints = state.history.validation;
        // the checkpoint of this step is saved (at the last epoch end, or before training); the engine's model holds state.params
        writeModel(model, state, modelMetadata(state, dataHash));
        List<String> written = new ArrayList<>(List.of(ModelFile.NAME, Checkpoint.NAME, LossLog.NAME));
        if (stopped(interrupt, written)) return null;

        RunData.Part test = data.test();
        log.printf("scoring on the %s%s ...%n", count(test.count(), "test image"), config.patch() > 0 ? ", a " + config.patch() + " x "
                + config.patch() + " crop of each" : "");
        ImageSet testSet = sharedTestSet != null ? sharedTestSet : upload(test, "test", uploaded);
        ImageSet testNoisy = sharedTestSet != null ? sharedTestNoisy : uploadNoisy(test, "test", uploaded);
        Evaluation.Result result = score(evaluation, testSet, testNoisy, "scoring");
        log.printf("test (%d images%s): loss %.4f, PSNR noisy %.2f dB, denoised %.2f dB%n", result.images(),
                config.patch() > 0 ? ", " + config.patch() + " x " + config.patch() + " crops" : "", result.loss(), result.psnrNoisy(), result.psnrDenoised());
        if (stopped(interrupt, written)) return null;
        PhotoEvaluation.Result whole = test.photos() == null ? null : scoreWholePhotos(model, test.photos());
        long trainedImages = (long) config.epochs() * data.train().count() * config.crops();
        String undertrained = whole == null
                ? ResultCheck.undertrained(result, trainedImages, data.allTrainImages(), imagesPerSecond)
                : ResultCheck.undertrained(whole.psnrNoisy(), whole.psnrDenoised(), whole.psnrBlur(), trainedImages, data.allTrainImages(),
                        imagesPerSecond);
        if (undertrained != null) log.println(undertrained);
        Instant finished = Instant.now();
        Map<String, String> scored = modelMetadata(state, dataHash);  // the model file again, now with what it scored
        scored.putAll(result.metadata());
        scored.put(Provenance.FINISHED, finished.toString());
        writeModel(model, state, scored);
        if (stopped(interrupt, written)) return null;

        if (Pictures.writeOrSkip(out.resolve(LOSS_PLOT), () -> new LossPlot("Training loss, " + model.arch).training(lossLog.points())
                .evaluation("validation loss", validationPoints).logScale(true).write(out.resolve(LOSS_PLOT)), log))
            written.add(LOSS_PLOT);
        if (stopped(interrupt, written)) return null;
        Evaluation.Samples samples = evaluation.samples(testSet, testNoisy, 10);
        if (Pictures.writeOrSkip(out.resolve(RECONSTRUCTIONS), () -> writeReconstructions(samples, out.resolve(RECONSTRUCTIONS)), log))
            written.add(RECONSTRUCTIONS);
        if (stopped(interrupt, written)) return null;

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", Architecture.NAME);
        metrics.put("decoder", config.decoder().id());
        metrics.put("parameters", model.arch.parameterCount());
        metrics.putAll(provenance.metadata());
        metrics.put("data", data.description());
        metrics.put("config", config.settings());
        metrics.put("steps", state.step);
        Map<String, Object> testMetrics = new LinkedHashMap<>();
        testMetrics.put("images", result.images());
        testMetrics.put("noise", config.settings().get("noise"));  // a sigma for Gaussian noise, as before the other models
        testMetrics.put("loss", result.loss());
        testMetrics.put("psnr_noisy_db", result.psnrNoisy());
        testMetrics.put("psnr_denoised_db", result.psnrDenoised());
        testMetrics.put("checkerboard_denoised", result.checkerboardDenoised());
        testMetrics.put("checkerboard_clean", result.checkerboardClean());
        if (whole != null) {  // a folder of photos: the whole images' scores, and the crops' under "crops"
            Map<String, Object> crops = new LinkedHashMap<>(testMetrics);
            crops.remove("noise");
            crops.put("size", config.patch());
            testMetrics = new LinkedHashMap<>(whole.toMap());
            testMetrics.put("crops", crops);
        }
        metrics.put("test", testMetrics);
        List<Double> validationLosses = new ArrayList<>();
        for (LossPlot.Point p : validationPoints) validationLosses.add(p.loss());
        metrics.put("validation_loss_per_epoch", validationLosses);
        Map<String, Object> speed = new LinkedHashMap<>();
        speed.put("train_images_per_s", imagesPerSecond);
        speed.put("epoch_seconds", state.history.epochSeconds);
        metrics.put("speed", speed);
        metrics.put(Provenance.FINISHED, finished.toString());
        AtomicFiles.writeString(out.resolve(METRICS), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(metrics) + "\n");
        log.printf("wrote %s and %s in %s%n", String.join(", ", written), METRICS, out);
        return new TestScores(result, whole);
    }

    /**
     * The test photographs scored whole, image by image (tiled), with the Gaussian blur baseline whose
     * width does best on the validation photographs (on the test ones where there are none); null, with
     * a note, where an image is too small for SSIM's window.
     */
    private PhotoEvaluation.Result scoreWholePhotos(Autoencoder model, ImageFolder.Part test) {
        String tooSmall = PhotoEvaluation.tooSmall(test);
        if (tooSmall != null) {
            log.println("note: the whole test images are not scored: " + tooSmall);
            return null;
        }
        ranges.push("whole-image evaluation");
        try {
            PhotoEvaluation photos = new PhotoEvaluation(model, config.noise(), Evaluation.NOISE_SEED);
            ImageFolder.Part validation = data.validation() != null ? data.validation().photos() : null;
            boolean onValidation = validation != null && PhotoEvaluation.tooSmall(validation) == null;
            log.printf("scoring the %s whole; the blur baseline's width chosen on the %s ...%n", count(test.count(), "test image"),
                    onValidation ? "validation images" : "test images (there are no validation images)");
            GaussianBlur.Choice blur = photos.chooseBlur(onValidation ? validation : test, GaussianBlur.GRID);
            ProgressBar bar = scoringProgress == null ? null : ProgressBar.of(scoringProgress, onTerminal, "scoring whole", "images", test.count(), 1);
            PhotoEvaluation.Result r;
            try {
                r = photos.evaluate(test, blur.sigma(), (done, total) -> { if (bar != null) bar.update(done); });
            } finally {
                if (bar != null) bar.clear();
            }
            log.printf("test (%d whole images): PSNR noisy %.2f dB, denoised %.2f dB, blur %.2f dB (sigma %s); "
                    + "SSIM noisy %.4f, denoised %.4f, blur %.4f%n", r.images(), r.psnrNoisy(), r.psnrDenoised(), r.psnrBlur(), r.blurSigma(),
                    r.ssimNoisy(), r.ssimDenoised(), r.ssimBlur());
            return r;
        } finally {
            ranges.pop();
        }
    }

    /**
     * After Ctrl-C: says which outputs are written and which are not (a resume writes them again) and
     * returns true; else false.
     */
    private boolean stopped(Interrupt interrupt, List<String> written) {
        if (!interrupt.requested) return false;
        List<String> missing = new ArrayList<>();
        for (String name : List.of(LOSS_PLOT, RECONSTRUCTIONS, METRICS)) if (!written.contains(name)) missing.add(name);
        log.printf("interrupted while writing the outputs: %s written, %s not; continue with --resume %s to write them%n",
                String.join(", ", written), String.join(", ", missing), out);
        return true;
    }

    /** Clean, noisy and denoised test images (or their crops) in three rows. */
    static void writeReconstructions(Evaluation.Samples s, Path file) throws IOException {
        new ImageGrid(s.width(), s.height(), s.channels()).scale(s.height() > 64 ? 1 : 3).row("clean", s.cleanImages()).row("noisy", s.noisyImages())
                .row("denoised", s.denoisedImages()).write(file);
    }

    private Map<String, String> modelMetadata(TrainingState state, String dataHash) {
        Map<String, String> meta = new LinkedHashMap<>(config.metadata());
        meta.put("steps", Long.toString(state.step));
        meta.put("optimizer", Adam.describe());
        meta.put("dataset", data.name());
        meta.put("dataset_sha256", dataHash);
        if (data.split() != null) meta.put("dataset_split", data.split());
        if (data.testFolder() != null) meta.put("dataset_test_folder", data.testFolder());
        // the size the model saw: the crops, else the images (which then share one size)
        meta.put(ModelFile.IMAGE_HEIGHT, Integer.toString(config.patch() > 0 ? config.patch() : data.train().height()));
        meta.put(ModelFile.IMAGE_WIDTH, Integer.toString(config.patch() > 0 ? config.patch() : data.train().width()));
        meta.putAll(provenance.metadata());
        return meta;
    }

    private void writeModel(Autoencoder model, TrainingState state, Map<String, String> metadata) throws IOException {
        ranges.push("model file");
        try {
            ModelFile.write(out.resolve(ModelFile.NAME), model.arch, state.params, metadata);
        } finally {
            ranges.pop();
        }
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
