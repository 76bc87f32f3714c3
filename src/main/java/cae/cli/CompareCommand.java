package cae.cli;

import cae.data.DataSet;
import cae.data.ImageFolder;
import cae.engine.Engine;
import cae.engine.Noise;
import cae.engine.ImageSet;
import cae.io.AtomicFiles;
import cae.io.FolderLock;
import cae.io.ImageGrid;
import cae.io.Pictures;
import cae.metrics.PhotoEvaluation;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Parameters;
import cae.profile.Ranges;
import cae.train.Checkerboard;
import cae.train.Evaluation;
import cae.io.ProgressBar;
import cae.train.ResultCheck;
import cae.train.RunData;
import cae.train.TrainingConfig;
import cae.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "compare", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Trains every decoder variant alike and compares test loss, PSNR, checkerboard score and speed in "
                + "compare.md, .csv and .png in --out; each variant's run goes into --out/<decoder>/, with the same model, data, "
                + "noise, seed and epochs."})
final class CompareCommand implements Callable<Integer> {
    private static final int DIGITS = 8;
    private static final float GREY = 0.5f;

    private final PrintStream out, err;
    private final boolean terminal;

    CompareCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
        this.terminal = streams.terminal();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--decoders", split = ",", defaultValue = "nearest,bilinear,transposed,unpool", converter = DecoderConverter.class,
            paramLabel = "D", description = "Variants (default: all four)")
    List<Decoder> decoders;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N", description = "Epochs per variant (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "" + TrainingConfig.BATCH, paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of all variants (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Train on the first N images; 0: all (default)")
    int limit;

    @Option(names = "--noise", paramLabel = "MODEL:S", description = "Noise, e.g. mask:0.3 (default 0.5; photos 0.1)")
    String noise;

    @Mixin CropOptions crop;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/compare-<date-time>)")
    Path outDir;

    @Mixin ModelOptions modelOptions;
    @Mixin DataOptions data;
    @Mixin EngineOptions.Plain engine;

    /**
     * One variant's results. {@code whole}: its test photographs scored whole (null for IDX data). The
     * outputs for a constant grey image and their checkerboard scores exist for grey models only
     * (null and NaN for colour ones).
     */
    record Row(Decoder decoder, int parameters, Evaluation.Result test, PhotoEvaluation.Result whole, double untrainedScore,
               double trainedConstantScore, double imagesPerSecond, float[] untrainedConstant, float[] trainedConstant,
               Evaluation.Samples samples) {}

    /**
     * What every variant shares, for the table's first line: the noise, the description of a folder of
     * photos (null for IDX data), the crop size (0: whole images) and the model options where they are
     * not the recipe's (else null).
     */
    record Shared(Noise noise, String photos, int patch, String model) {
        static final Shared RECIPE_ON_IDX = new Shared(Noise.gaussian(TrainingConfig.NOISE), null, 0, null);
    }

    private Shared shared = Shared.RECIPE_ON_IDX;

    /** The files of a comparison that {@code folder} already holds. */
    static List<String> comparisonFilesIn(Path folder) {
        return java.util.stream.Stream.of("compare.md", "compare.csv", "compare.png").filter(name -> Files.exists(folder.resolve(name))).toList();
    }

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        if (decoders.stream().distinct().count() < decoders.size())
            throw new CommandLine.ParameterException(spec.commandLine(), "--decoders names a variant twice");
        settings().check();
        checkVariants();
        data.checkPhotoOptions(spec.commandLine());
        if (outDir == null) outDir = TrainCommand.freshRunFolder("compare-");
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new UserError(outDir + ": exists and is not a folder");
        try (FolderLock lock = FolderLock.take(outDir)) {  // as train's: one writer, the folder checked under the lock
            return compare();
        }
    }

    /** Every variant's settings from the options, by the rule train reads its own by. */
    private RunSettings settings() {
        return new RunSettings(spec.commandLine(), modelOptions, epochs, batch, TrainingConfig.LEARNING_RATE, noise, seed, limit, crop.patch, crop.crops);
    }

    /**
     * The model options against each variant, before any data is read: a combination that every variant
     * refuses is refused as train refuses it; one that only some refuse names the first of them and the
     * --decoders that leaves them out.
     */
    private void checkVariants() {
        Map<Decoder, String> refused = new LinkedHashMap<>();
        CommandLine.ParameterException first = null;
        for (Decoder decoder : decoders) {
            try {
                settings().architecture(decoder, 1);
            } catch (CommandLine.ParameterException e) {
                if (first == null) first = e;
                refused.put(decoder, e.getMessage());
            }
        }
        if (refused.isEmpty()) return;
        if (refused.size() == decoders.size()) throw first;
        Map.Entry<Decoder, String> variant = refused.entrySet().iterator().next();
        List<String> rest = decoders.stream().filter(d -> !refused.containsKey(d)).map(Decoder::id).toList();
        throw new CommandLine.ParameterException(spec.commandLine(), "the " + variant.getKey().id() + " variant: " + variant.getValue()
                + "; leave it out with --decoders " + String.join(",", rest));
    }

    private int compare() throws Exception {
        List<String> taken = TrainCommand.taken(outDir);
        for (Decoder decoder : decoders) if (!TrainingRun.runFilesIn(outDir.resolve(decoder.id())).isEmpty()) taken.add(decoder.id() + "/");
        if (!taken.isEmpty())
            throw new CommandLine.ParameterException(spec.commandLine(), outDir + " already holds a comparison or a run ("
                    + String.join(", ", taken) + "); choose another --out");
        Ranges ranges = engine.ranges(err);
        RunData runData;
        ImageFolder folder = null;
        ranges.push("data loading");
        try {
            if (data.photos()) {
                folder = data.loadPhotos(spec.commandLine(), err, terminal, engine.threadCount());
                runData = RunData.of(folder, limit);
            } else {
                DataSet dataSet = data.load(err);
                String limitNote = TrainingRun.limitNote(dataSet, limit);
                if (limitNote != null) err.println(limitNote);
                runData = RunData.of(dataSet, limit);
            }
        } finally {
            ranges.pop();
        }
        Map<Decoder, TrainingConfig> configs = new LinkedHashMap<>();
        for (Decoder decoder : decoders)
            configs.put(decoder, settings().config(decoder, runData.channels(), folder != null, runData.train().hasNoisyTwins()));
        TrainingConfig anyConfig = configs.get(decoders.get(0));  // the variants differ in their decoder only
        if (folder != null) settings().checkPhotos(runData, anyConfig);
        String problem = TrainingRun.batchProblem(runData, batch, limit, anyConfig.crops());
        if (problem != null) throw new CommandLine.ParameterException(spec.commandLine(), "--" + problem);
        // the size the picture and the constant grey image are drawn at: the crops, else the (same-size) test images
        int h = anyConfig.patch() > 0 ? anyConfig.patch() : runData.test().height(), w = anyConfig.patch() > 0 ? anyConfig.patch() : runData.test().width();
        int channels = runData.channels();
        shared = new Shared(anyConfig.noise(), folder != null ? runData.description() : null, anyConfig.patch(), modelText(anyConfig.model()));
        List<Row> rows = new ArrayList<>();
        try (Engine e = engine.open(err)) {
            memoryLine(e, "before the first variant");
            // once, for every variant's scoring and samples
            ImageSet testSet = upload(e, runData.test(), false, ranges), testNoisy = null;
            try {
                if (runData.test().hasNoisyTwins()) testNoisy = upload(e, runData.test(), true, ranges);
                for (Decoder decoder : decoders) {
                    e.resetPeakMemory();
                    TrainingConfig config = configs.get(decoder);
                    Architecture arch = config.model();
                    float[] untrainedConstant = null;
                    if (channels == 1) {
                        ranges.push("untrained " + decoder.id());
                        try (Autoencoder untrained = new Autoencoder(e, arch)) {
                            untrained.setWeights(Parameters.glorotInit(arch, seed));
                            untrainedConstant = Evaluation.constantInputOutput(untrained, h, w, GREY);
                        } finally {
                            ranges.pop();
                        }
                    }

                    out.println("== " + decoder.id());
                    TrainingRun run = new TrainingRun(e, runData, config, outDir.resolve(decoder.id()), out,
                            terminal ? (s, t, p) -> new ProgressBar(err, s, t, p) : (s, t, p) -> null);
                    run.ranges(ranges);
                    run.useTestSet(testSet, testNoisy);
                    run.showScoringProgress(err, terminal);
                    TrainingRun.Summary summary = run.run(null);
                    if (summary.outcome() != TrainingRun.Outcome.FINISHED) return Main.INTERRUPTED;
                    float[] trainedConstant = null;
                    Evaluation.Samples samples;
                    ranges.push("trained " + decoder.id());
                    try (Autoencoder trained = new Autoencoder(e, arch)) {
                        trained.setWeights(summary.state().params);
                        if (channels == 1) trainedConstant = Evaluation.constantInputOutput(trained, h, w, GREY);
                        samples = new Evaluation(trained, config.noise(), ranges).crops(config.patch()).samples(testSet, testNoisy, DIGITS);
                    } finally {
                        ranges.pop();
                    }
                    rows.add(new Row(decoder, arch.parameterCount(), summary.test(), summary.wholeTest(), checkerboard(untrainedConstant, h, w),
                            checkerboard(trainedConstant, h, w), summary.trainImagesPerSecond(), untrainedConstant, trainedConstant, samples));
                    memoryLine(e, "after " + decoder.id());
                }
            } finally {
                try {
                    e.release(testSet);
                } finally {
                    if (testNoisy != null) e.release(testNoisy);
                }
            }
        }
        Files.createDirectories(outDir);
        String markdown = markdown(rows);
        AtomicFiles.writeString(outDir.resolve("compare.md"), markdown);
        AtomicFiles.writeString(outDir.resolve("compare.csv"), csv(rows));
        Path png = outDir.resolve("compare.png");
        boolean pictured = Pictures.writeOrSkip(png, () -> picture(rows, channels, h, w).write(png), err);
        out.println();
        out.print(markdown);
        out.println("wrote compare.md, compare.csv" + (pictured ? " and compare.png" : "") + " in " + outDir);
        return 0;
    }

    private static double checkerboard(float[] image, int h, int w) {
        return image == null ? Double.NaN : Checkerboard.score(image, 0, h, w);
    }

    /** "widths 8,8, skips, residual, mse loss" where the model options are not the recipe's, else null. */
    private static String modelText(Architecture model) {
        if (model.widths().equals(Architecture.RECIPE_WIDTHS) && !model.skips() && !model.residual() && model.loss() == Architecture.Loss.XENT)
            return null;
        return "widths " + model.widthsText() + (model.skips() ? ", skips" : "") + (model.residual() ? ", residual" : "") + ", "
                + model.loss().id() + " loss";
    }

    /** The test part's images (or their real noisy twins) on the engine, in a range of their own. */
    private static ImageSet upload(Engine e, RunData.Part test, boolean noisyTwins, Ranges ranges) {
        ranges.push(noisyTwins ? "upload noisy test images" : "upload test images");
        try {
            return (noisyTwins ? test.uploadNoisy() : test.upload()).apply(e);
        } finally {
            ranges.pop();
        }
    }

    /**
     * With -v, the engine's device memory (its peak since the last variant began, and what the device
     * has in use): after each variant it should come back to what it was after the first.
     */
    private void memoryLine(Engine e, String when) {
        String memory = e.memoryUse();
        if (engine.verbose && memory != null) err.println("memory " + when + ": " + memory);
    }

    String markdown(List<Row> rows) {
        StringBuilder s = new StringBuilder();
        Noise noise = shared.noise();
        String noiseText = noise.kind() == Noise.Kind.GAUSSIAN ? String.format(Locale.ROOT, "%.2f", noise.strength())
                : noise.any() ? noise.toString() : "none (real noisy twins)";
        s.append(String.format(Locale.ROOT, "%d epoch%s, batch %d, seed %d, %s training images, noise %s%s%s; test set: %d images%s.%n%n",
                epochs, epochs == 1 ? "" : "s", batch, seed, limit > 0 ? Integer.toString(limit) : "all", noiseText,
                shared.model() != null ? ", model: " + shared.model() : "", shared.photos() != null ? "; data: " + shared.photos() : "",
                rows.isEmpty() ? 0 : rows.get(0).test().images(),
                shared.patch() > 0 ? String.format(Locale.ROOT, ", scored on a %d x %d crop of each", shared.patch(), shared.patch()) : ""));
        PhotoEvaluation.Result whole = rows.stream().map(Row::whole).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        s.append("| decoder | parameters | test loss | PSNR noisy (dB) | PSNR denoised (dB) | ")
                .append(whole != null ? "whole PSNR denoised (dB) | whole SSIM denoised | " : "")
                .append("checkerboard, untrained, grey input | checkerboard, trained, grey input | checkerboard, trained, test outputs "
                        + "| train img/s |\n");
        s.append("|---|---:|---:|---:|---:|").append(whole != null ? "---:|---:|" : "").append("---:|---:|---:|---:|\n");
        for (Row r : rows)
            s.append(String.format(Locale.ROOT, "| %s | %,d | %.4f | %.2f | %.2f%s |%s %s | %s | %.5f | %.0f |%n", r.decoder().id(),
                    r.parameters(), r.test().loss(), r.test().psnrNoisy(), r.test().psnrDenoised(),
                    ResultCheck.belowNoisy(r.test()) ? " (below noisy)" : "",
                    whole == null ? "" : r.whole() == null ? " n/a | n/a |"
                            : String.format(Locale.ROOT, " %.2f | %.4f |", r.whole().psnrDenoised(), r.whole().ssimDenoised()),
                    orNa(r.untrainedScore()), orNa(r.trainedConstantScore()), r.test().checkerboardDenoised(), r.imagesPerSecond()));
        List<String> below = rows.stream().filter(r -> ResultCheck.belowNoisy(r.test())).map(r -> r.decoder().id()).toList();
        if (!below.isEmpty())
            s.append(String.format(Locale.ROOT, "%n**Below the noisy input**: %s %s denoised images that score lower than the noisy input "
                    + "they were given: %s undertrained (give more --epochs, or train on all the images without --limit).%n",
                    String.join(", ", below), below.size() == 1 ? "ends with" : "end with", below.size() == 1 ? "it is" : "they are"));
        if (whole != null)
            s.append(String.format(Locale.ROOT, "%nThe %d test images whole (the same noisy inputs for every variant): noisy PSNR %.2f dB, "
                    + "SSIM %.4f; the Gaussian blur baseline (sigma %s) PSNR %.2f dB, SSIM %.4f.%s%n", whole.images(), whole.psnrNoisy(),
                    whole.ssimNoisy(), whole.blurSigma(), whole.psnrBlur(), whole.ssimBlur(),
                    shared.patch() > 0 ? " The test loss, PSNR and checkerboard columns score the crops." : ""));
        if (!rows.isEmpty())
            s.append(String.format(Locale.ROOT, "%nThe clean test images score %.5f. Checkerboard score: the share of an image's non-DC "
                    + "spectral energy at the period-2 (Nyquist) frequencies, averaged over images. Train img/s: over the variant's "
                    + "whole training, its first steps included, where the first variant alone also pays the JIT's warm-up on the CPU "
                    + "(with few steps its figure can be the lowest for that reason).%s%n", rows.get(0).test().checkerboardClean(),
                    rows.stream().anyMatch(r -> Double.isNaN(r.untrainedScore()))
                            ? " The grey-input columns are n/a for colour models, which take no grey image." : ""));
        return s.toString();
    }

    private static String orNa(double score) {
        return Double.isNaN(score) ? "n/a" : String.format(Locale.ROOT, "%.4f", score);
    }

    /** The table as CSV; a comparison on photos adds the whole test images' scores as the last columns. */
    static String csv(List<Row> rows) {
        boolean whole = rows.stream().anyMatch(r -> r.whole() != null);
        StringBuilder s = new StringBuilder("decoder,parameters,test_loss,psnr_noisy_db,psnr_denoised_db,checkerboard_untrained_grey,"
                + "checkerboard_trained_grey,checkerboard_trained_test,checkerboard_clean_test,train_images_per_s,below_noisy");
        s.append(whole ? ",whole_psnr_noisy_db,whole_psnr_denoised_db,whole_psnr_blur_db,whole_ssim_noisy,whole_ssim_denoised,"
                + "whole_ssim_blur,whole_blur_sigma\n" : "\n");
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.4f,%.4f,%s,%s,%.6f,%.6f,%.1f,%b", r.decoder().id(), r.parameters(),
                    r.test().loss(), r.test().psnrNoisy(), r.test().psnrDenoised(), orBlank(r.untrainedScore()), orBlank(r.trainedConstantScore()),
                    r.test().checkerboardDenoised(), r.test().checkerboardClean(), r.imagesPerSecond(), ResultCheck.belowNoisy(r.test())));
            PhotoEvaluation.Result w = r.whole();
            if (whole) s.append(w == null ? ",,,,,,," : String.format(Locale.ROOT, ",%.4f,%.4f,%.4f,%.6f,%.6f,%.6f,%s", w.psnrNoisy(),
                    w.psnrDenoised(), w.psnrBlur(), w.ssimNoisy(), w.ssimDenoised(), w.ssimBlur(), w.blurSigma()));
            s.append('\n');
        }
        return s.toString();
    }

    /** An empty CSV field for a score not measured (a colour model's grey-input ones). */
    private static String orBlank(double score) {
        return Double.isNaN(score) ? "" : String.format(Locale.ROOT, "%.6f", score);
    }

    /**
     * Rows: the clean and noisy test images (their crops for a comparison on crops), then each variant's
     * denoised ones; for grey models each row ends with the output for a constant grey image, untrained
     * and trained. Those two are contrast-stretched to [0, 1], or their faint patterns would not show.
     */
    private static ImageGrid picture(List<Row> rows, int channels, int h, int w) {
        boolean grey = channels == 1;
        Evaluation.Samples first = rows.get(0).samples();
        List<float[]> clean = first.cleanImages(), noisy = first.noisyImages();
        if (grey) {
            float[] blank = new float[h * w];
            Arrays.fill(blank, 1f);
            clean.add(blank); clean.add(blank);
            noisy.add(blank); noisy.add(blank);
        }
        ImageGrid grid = new ImageGrid(w, h, channels).scale(h > 64 ? 1 : 3).row("clean", clean).row("noisy", noisy);
        for (Row r : rows) {
            List<float[]> images = r.samples().denoisedImages();
            if (grey) {
                images.add(stretch(r.untrainedConstant()));
                images.add(stretch(r.trainedConstant()));
            }
            grid.row(r.decoder().id(), images);
        }
        return grid;
    }

    private static float[] stretch(float[] image) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : image) { min = Math.min(min, v); max = Math.max(max, v); }
        float[] out = new float[image.length];
        float range = max - min;
        for (int i = 0; i < image.length; i++) out[i] = range > 0 ? (image[i] - min) / range : 0.5f;
        return out;
    }
}
