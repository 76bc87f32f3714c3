package cae.cli;

import cae.data.DataSet;
import cae.data.Images;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.io.AtomicFiles;
import cae.io.FolderLock;
import cae.io.ImageGrid;
import cae.io.Pictures;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Decoder;
import cae.model.Parameters;
import cae.profile.Ranges;
import cae.train.Checkerboard;
import cae.train.Evaluation;
import cae.train.ProgressBar;
import cae.train.ResultCheck;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "compare", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Trains every decoder variant alike and compares test loss, PSNR, checkerboard score and speed in "
                + "compare.md, .csv and .png in --out; each variant's run goes into --out/<decoder>/."})
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

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/compare-<date-time>)")
    Path outDir;

    @Mixin DataOptions data;
    @Mixin EngineOptions.Plain engine;

    record Row(Decoder decoder, int parameters, Evaluation.Result test, double untrainedScore, double trainedConstantScore,
               double imagesPerSecond, float[] untrainedConstant, float[] trainedConstant, Evaluation.Samples samples) {}

    /** The files of a comparison that {@code folder} already holds. */
    static List<String> comparisonFilesIn(Path folder) {
        return java.util.stream.Stream.of("compare.md", "compare.csv", "compare.png").filter(name -> Files.exists(folder.resolve(name))).toList();
    }

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        if (epochs < 1 || batch < 1 || limit < 0)
            throw new CommandLine.ParameterException(spec.commandLine(), "--epochs and --batch must be at least 1, --limit at least 0");
        if (decoders.stream().distinct().count() < decoders.size())
            throw new CommandLine.ParameterException(spec.commandLine(), "--decoders names a variant twice");
        if (outDir == null) outDir = TrainCommand.freshRunFolder("compare-");
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new UserError(outDir + ": exists and is not a folder");
        try (FolderLock lock = FolderLock.take(outDir)) {  // as train's: one writer, the folder checked under the lock
            return compare();
        }
    }

    private int compare() throws Exception {
        List<String> taken = TrainCommand.taken(outDir);
        for (Decoder decoder : decoders) if (!TrainingRun.runFilesIn(outDir.resolve(decoder.id())).isEmpty()) taken.add(decoder.id() + "/");
        if (!taken.isEmpty())
            throw new CommandLine.ParameterException(spec.commandLine(), outDir + " already holds a comparison or a run ("
                    + String.join(", ", taken) + "); choose another --out");
        Ranges ranges = engine.ranges(err);
        DataSet dataSet = data.load(err, ranges);
        String problem = TrainingRun.batchProblem(dataSet, batch, limit);
        String limitNote = TrainingRun.limitNote(dataSet, limit);
        if (limitNote != null) err.println(limitNote);
        if (problem != null) throw new CommandLine.ParameterException(spec.commandLine(), "--" + problem);
        Images test = dataSet.test();
        int h = test.height(), w = test.width();
        List<Row> rows = new ArrayList<>();
        try (Engine e = engine.open(err)) {
            memoryLine(e, "before the first variant");
            ImageSet testSet = upload(e, test, ranges);  // once, for every variant's scoring and samples
            try {
                for (Decoder decoder : decoders) {
                    e.resetPeakMemory();
                    Architecture arch = Architecture.of(decoder);
                    TrainingConfig config = new TrainingConfig(epochs, batch, TrainingConfig.LEARNING_RATE, TrainingConfig.NOISE, seed, limit, decoder);
                    float[] untrainedConstant;
                    ranges.push("untrained " + decoder.id());
                    try (Autoencoder untrained = new Autoencoder(e, arch)) {
                        untrained.setWeights(Parameters.glorotInit(arch, seed));
                        untrainedConstant = Evaluation.constantInputOutput(untrained, h, w, GREY);
                    } finally {
                        ranges.pop();
                    }

                    out.println("== " + decoder.id());
                    TrainingRun run = new TrainingRun(e, dataSet, config, outDir.resolve(decoder.id()), out,
                            terminal ? (s, t, p) -> new ProgressBar(err, s, t, p) : (s, t, p) -> null);
                    run.ranges(ranges);
                    run.useTestSet(testSet);
                    run.showScoringProgress(err, terminal);
                    TrainingRun.Summary summary = run.run(null);
                    if (summary.outcome() != TrainingRun.Outcome.FINISHED) return Main.INTERRUPTED;
                    float[] trainedConstant;
                    Evaluation.Samples samples;
                    ranges.push("trained " + decoder.id());
                    try (Autoencoder trained = new Autoencoder(e, arch)) {
                        trained.setWeights(summary.state().params);
                        trainedConstant = Evaluation.constantInputOutput(trained, h, w, GREY);
                        samples = new Evaluation(trained, config.noise(), ranges).samples(testSet, DIGITS);
                    } finally {
                        ranges.pop();
                    }
                    rows.add(new Row(decoder, arch.parameterCount(), summary.test(), Checkerboard.score(untrainedConstant, 0, h, w),
                            Checkerboard.score(trainedConstant, 0, h, w), summary.trainImagesPerSecond(), untrainedConstant, trainedConstant,
                            samples));
                    memoryLine(e, "after " + decoder.id());
                }
            } finally {
                e.release(testSet);
            }
        }
        Files.createDirectories(outDir);
        String markdown = markdown(rows);
        AtomicFiles.writeString(outDir.resolve("compare.md"), markdown);
        AtomicFiles.writeString(outDir.resolve("compare.csv"), csv(rows));
        Path png = outDir.resolve("compare.png");
        boolean pictured = Pictures.writeOrSkip(png, () -> picture(rows, h, w).write(png), err);
        out.println();
        out.print(markdown);
        out.println("wrote compare.md, compare.csv" + (pictured ? " and compare.png" : "") + " in " + outDir);
        return 0;
    }

    private static ImageSet upload(Engine e, Images test, Ranges ranges) {
        ranges.push("upload test images");
        try {
            return e.upload(test.pixels(), test.count(), test.height(), test.width());
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
        s.append(String.format(Locale.ROOT, "%d epoch%s, batch %d, seed %d, %s training images, noise %.2f; test set: %d images.%n%n",
                epochs, epochs == 1 ? "" : "s", batch, seed, limit > 0 ? Integer.toString(limit) : "all", TrainingConfig.NOISE,
                rows.isEmpty() ? 0 : rows.get(0).test().images()));
        s.append("| decoder | parameters | test loss | PSNR noisy (dB) | PSNR denoised (dB) | checkerboard, untrained, grey input "
                + "| checkerboard, trained, grey input | checkerboard, trained, test outputs | train img/s |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows)
            s.append(String.format(Locale.ROOT, "| %s | %,d | %.4f | %.2f | %.2f%s | %.4f | %.4f | %.5f | %.0f |%n", r.decoder().id(),
                    r.parameters(), r.test().loss(), r.test().psnrNoisy(), r.test().psnrDenoised(),
                    ResultCheck.belowNoisy(r.test()) ? " (below noisy)" : "", r.untrainedScore(),
                    r.trainedConstantScore(), r.test().checkerboardDenoised(), r.imagesPerSecond()));
        List<String> below = rows.stream().filter(r -> ResultCheck.belowNoisy(r.test())).map(r -> r.decoder().id()).toList();
        if (!below.isEmpty())
            s.append(String.format(Locale.ROOT, "%n**Below the noisy input**: %s %s denoised images that score lower than the noisy input "
                    + "they were given: %s undertrained (give more --epochs, or train on all the images without --limit).%n",
                    String.join(", ", below), below.size() == 1 ? "ends with" : "end with", below.size() == 1 ? "it is" : "they are"));
        if (!rows.isEmpty())
            s.append(String.format(Locale.ROOT, "%nThe clean test images score %.5f. Checkerboard score: the share of an image's non-DC "
                    + "spectral energy at the period-2 (Nyquist) frequencies, averaged over images. Train img/s: over the variant's "
                    + "whole training, its first steps included, where the first variant alone also pays the JIT's warm-up on the CPU "
                    + "(with few steps its figure can be the lowest for that reason).%n", rows.get(0).test().checkerboardClean()));
        return s.toString();
    }

    static String csv(List<Row> rows) {
        StringBuilder s = new StringBuilder("decoder,parameters,test_loss,psnr_noisy_db,psnr_denoised_db,checkerboard_untrained_grey,"
                + "checkerboard_trained_grey,checkerboard_trained_test,checkerboard_clean_test,train_images_per_s,below_noisy\n");
        for (Row r : rows)
            s.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.4f,%.4f,%.6f,%.6f,%.6f,%.6f,%.1f,%b%n", r.decoder().id(), r.parameters(),
                    r.test().loss(), r.test().psnrNoisy(), r.test().psnrDenoised(), r.untrainedScore(), r.trainedConstantScore(),
                    r.test().checkerboardDenoised(), r.test().checkerboardClean(), r.imagesPerSecond(), ResultCheck.belowNoisy(r.test())));
        return s.toString();
    }

    /**
     * Rows: the clean and noisy digits, then each variant's denoised digits followed by its output for a
     * constant grey image, untrained and trained. Those two are contrast-stretched to [0, 1], or their
     * faint patterns would not show.
     */
    private static ImageGrid picture(List<Row> rows, int h, int w) {
        int plane = h * w;
        Evaluation.Samples first = rows.get(0).samples();
        List<float[]> clean = first.cleanImages(), noisy = first.noisyImages();
        float[] blank = new float[plane];
        Arrays.fill(blank, 1f);
        clean.add(blank); clean.add(blank);
        noisy.add(blank); noisy.add(blank);
        ImageGrid grid = new ImageGrid(w, h).scale(3).row("clean", clean).row("noisy", noisy);
        for (Row r : rows) {
            List<float[]> images = r.samples().denoisedImages();
            images.add(stretch(r.untrainedConstant()));
            images.add(stretch(r.trainedConstant()));
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
