package cae.cli;

import java.io.PrintStream;
import cae.data.DataSet;
import cae.engine.Engine;
import cae.io.FolderLock;
import cae.data.ImageFolder;
import cae.model.Architecture;
import cae.model.Decoder;
import cae.profile.Ranges;
import cae.train.Checkpoint;
import cae.io.ProgressBar;
import cae.train.TrainingConfig;
import cae.train.RunData;
import cae.train.TrainingRun;
import cae.train.TrainingState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Trains a model (docs/SPEC.md §3) into --out: the model, a checkpoint, losses, pictures, metrics.json. "
                + "Ctrl-C saves a checkpoint; --resume continues it."})
final class TrainCommand implements Callable<Integer> {
    private final PrintStream out, err;
    private final boolean terminal;

    TrainCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
        this.terminal = streams.terminal();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: " + TrainingConfig.EPOCHS + ", or the checkpoint's)")
    Integer epochs;

    @Option(names = "--batch", defaultValue = "" + TrainingConfig.BATCH, paramLabel = "N", description = "Images per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "" + TrainingConfig.LEARNING_RATE, paramLabel = "RATE", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--noise", paramLabel = "MODEL:S", description = "Noise, e.g. mask:0.3 (default 0.5; photos 0.1)")
    String noise;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of weights, shuffles, noise (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Train on the first N images; 0: all (default)")
    int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<date-time>)")
    Path outDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR (same settings, data)")
    Path resume;

    @Option(names = "--decoder", paramLabel = "D", converter = DecoderConverter.class,
            description = "nearest (default), bilinear, transposed or unpool")
    Decoder decoder;

    @Mixin CropOptions crop;

    @Option(names = "--max-minutes", paramLabel = "M", description = "Stop after M minutes, every output written")
    Double maxMinutes;

    @Mixin ModelOptions modelOptions;
    @Mixin DataOptions data;
    @Mixin EngineOptions.Profiled engine;

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        Path runFolder = null;  // the resumed run's folder
        TrainingConfig config = null;
        if (resume != null) {
            if (!Files.isDirectory(resume) && !Files.isRegularFile(resume))
                throw new UserError(resume + ": no such run folder or checkpoint to resume");
            runFolder = Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
            if (outDir == null) outDir = runFolder;
        } else {
            checkNewRunOptions();
            if (outDir == null) outDir = freshRunFolder("");
        }
        data.checkPhotoOptions(spec.commandLine());
        if (maxMinutes != null && !(maxMinutes > 0 && maxMinutes < 1e7))
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-minutes must be a positive number of minutes, got " + maxMinutes);
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new UserError(outDir + ": exists and is not a folder");
        // The lock comes first: what --out holds, and the checkpoint, cannot change while they are checked and trained on.
        try (FolderLock lock = FolderLock.take(outDir)) {
            return train(runFolder, config);
        }
    }

    private int train(Path runFolder, TrainingConfig config) throws Exception {
        TrainingState resumed = null;
        Checkpoint.Loaded loaded = null;
        Path earlierLossLog = null;  // set when a resumed run continues into a folder other than its own
        if (resume != null) {
            loaded = Checkpoint.read(resume);
            resumed = loaded.state();
            TrainingConfig c = resumed.config;
            List<String> candidates = new java.util.ArrayList<>(ModelOptions.NAMES);  // the model never changes
            candidates.addAll(Stream.of(batch != c.batch() ? "--batch" : null, learningRate != c.learningRate() ? "--lr" : null,
                    noise != null && !settings().noise().equals(c.noise()) ? "--noise" : null, seed != c.seed() ? "--seed" : null,
                    limit != c.limit() ? "--limit" : null, crop.patch != null && crop.patch != c.patch() ? "--patch" : null,
                    crop.crops != null && crop.crops != c.crops() ? "--crops" : null).filter(java.util.Objects::nonNull).toList());
            List<String> changed = candidates.stream().filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
            if (!changed.isEmpty())
                throw new CommandLine.ParameterException(spec.commandLine(), String.join(", ", changed)
                        + " cannot change when resuming: the run goes on with its checkpoint's settings (" + c.metadata()
                        + "; only --epochs and --max-minutes may change)");
            config = new TrainingConfig(epochs != null ? RunSettings.positive(spec.commandLine(), "--epochs", epochs) : c.epochs(), c.batch(), c.learningRate(),
                    c.noise(), c.seed(), c.limit(), c.model(), c.patch(), c.crops());
            if (decoder != null && decoder != c.decoder())
                throw new CommandLine.ParameterException(spec.commandLine(), "--decoder " + decoder.id() + " differs from the checkpoint's "
                        + c.decoder().id() + "; leave --decoder out to resume, or start a new run into another --out");
            resumed = new TrainingState(config, resumed.step, resumed.params, resumed.adamM, resumed.adamV, resumed.history);
            if (!sameFolder(outDir, runFolder)) {
                List<String> taken = taken(outDir);
                if (!taken.isEmpty())
                    throw new CommandLine.ParameterException(spec.commandLine(), outDir + " already holds another run ("
                            + String.join(", ", taken) + "); resume into " + runFolder + " or an empty --out");
                earlierLossLog = runFolder.resolve(cae.train.LossLog.NAME);
            }
        } else {
            List<String> taken = taken(outDir);
            if (!taken.isEmpty())
                throw new CommandLine.ParameterException(spec.commandLine(), outDir + " already holds a run ("
                        + String.join(", ", taken) + ")"
                        + (Files.exists(outDir.resolve(Checkpoint.NAME)) ? "; continue it with --resume " + outDir + " or" : ";")
                        + " choose another --out");
        }

        Ranges ranges = engine.ranges(err);
        RunData runData;
        ranges.push("data loading");
        try {
            if (data.photos()) {
                if (resume != null && data.color == null) data.color = config.model().channels() == 1 ? "grey" : "rgb";
                ImageFolder folder = data.loadPhotos(spec.commandLine(), err, terminal, engine.threadCount());
                if (config == null) config = settings().config(decoder(), folder.channels(), true, folder.train().noisy() != null);
                runData = RunData.of(folder, config.limit());
                settings().checkPhotos(runData, config);
            } else {
                DataSet dataSet = data.load(err);
                if (config == null) config = settings().config(decoder(), 1, false, false);
                String limitNote = resume == null ? TrainingRun.limitNote(dataSet, config.limit()) : null;
                if (limitNote != null) err.println(limitNote);
                runData = RunData.of(dataSet, config.limit());
            }
        } finally {
            ranges.pop();
        }
        if (runData.channels() != config.model().channels())
            throw new UserError("the checkpoint in " + resume + " was trained on " + channels(config.model().channels())
                    + " images, and " + runData.description() + " is " + channels(runData.channels()));
        String problem = TrainingRun.batchProblem(runData, config.batch(), config.limit(), config.crops());
        if (problem != null) {
            if (resume != null) throw new UserError(resume + ": the checkpoint's " + problem);
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + problem);
        }
        if (loaded != null) {
            String otherData = TrainingRun.otherDataProblem(loaded, runData);
            if (otherData != null) throw new UserError(otherData);
            String tooFew = TrainingRun.epochsProblem(loaded, config, config.stepsPerEpoch(runData.train().count()), "--epochs");
            if (tooFew != null) throw new CommandLine.ParameterException(spec.commandLine(), tooFew);
        }
        ProgressBar.Factory bar = terminal ? (start, total, perStep) -> new ProgressBar(err, start, total, perStep)
                : (start, total, perStep) -> null;
        try (Engine e = engine.open(err)) {
            TrainingRun run = new TrainingRun(e, runData, config, outDir, out, bar);
            run.ranges(ranges);
            if (maxMinutes != null) run.maxMinutes(maxMinutes);
            run.showScoringProgress(err, terminal);
            if (earlierLossLog != null) run.continueLossLogFrom(earlierLossLog);
            long[] profiled = engine.profiledSteps(spec.commandLine());
            if (profiled != null) run.profileSteps(profiled[0], profiled[1]);
            TrainingRun.Outcome outcome = run.run(resumed).outcome();
            String choices = e.choices();
            if (engine.verbose && choices != null) err.println(choices);
            return outcome == TrainingRun.Outcome.INTERRUPTED ? Main.INTERRUPTED : 0;
        }
    }

    /** The new run's settings from this command's options, by the rule compare shares. */
    private RunSettings settings() {
        return new RunSettings(spec.commandLine(), modelOptions, epochs != null ? epochs : TrainingConfig.EPOCHS, batch, learningRate, noise,
                seed, limit, crop.patch, crop.crops);
    }

    /** The new run's options, checked before the folder is taken or any data read. */
    private void checkNewRunOptions() {
        RunSettings settings = settings();
        settings.check();
        settings.architecture(decoder(), 1);
    }

    private Decoder decoder() { return decoder != null ? decoder : Decoder.NEAREST; }

    private static String channels(int n) { return n == 1 ? "grey" : "rgb"; }

    /** A run's or a comparison's files in {@code folder}: a new run does not go there. */
    static List<String> taken(Path folder) {
        List<String> files = new java.util.ArrayList<>(TrainingRun.runFilesIn(folder));
        files.addAll(CompareCommand.comparisonFilesIn(folder));
        return files;
    }

    private static boolean sameFolder(Path a, Path b) throws java.io.IOException {
        return Files.exists(a) && Files.exists(b) ? Files.isSameFile(a, b) : a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** runs/[prefix]date-time, or with -2, -3, ... when a run started in the same second already has it. */
    static Path freshRunFolder(String prefix) {
        return TrainingRun.newRunFolder(prefix);
    }
}
