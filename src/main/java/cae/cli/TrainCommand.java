package cae.cli;

import java.io.PrintStream;
import cae.data.DataSet;
import cae.engine.Engine;
import cae.io.FolderLock;
import cae.model.Decoder;
import cae.profile.Ranges;
import cae.train.Checkpoint;
import cae.train.ProgressBar;
import cae.train.TrainingConfig;
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
        description = {"Trains the model with the recipe (docs/SPEC.md §3) and writes the model, a checkpoint, the losses, "
                + "pictures and metrics.json into --out. Ctrl-C saves a checkpoint; --resume continues it bit for bit."})
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

    @Option(names = "--noise", defaultValue = "" + TrainingConfig.NOISE, paramLabel = "STD", description = "Std of the input noise (default: ${DEFAULT-VALUE})")
    float noise;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of weights, shuffles, noise (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Train on the first N images; 0: all (default)")
    int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<date-time>)")
    Path outDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR (same settings, data)")
    Path resume;

    @Option(names = "--decoder", paramLabel = "nearest|bilinear|transposed|unpool", converter = DecoderConverter.class,
            description = "Decoder variant (default: nearest, the recipe's)")
    Decoder decoder;

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
            config = new TrainingConfig(epochs != null ? positive("--epochs", epochs) : TrainingConfig.EPOCHS,
                    positive("--batch", batch), positiveFloat("--lr", learningRate), noise("--noise", noise), seed,
                    nonNegative("--limit", limit), decoder != null ? decoder : Decoder.NEAREST);
            if (outDir == null) outDir = freshRunFolder("");
        }
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
            List<String> changed = Stream.of(
                            batch != c.batch() ? "--batch" : null, learningRate != c.learningRate() ? "--lr" : null,
                            !cae.engine.Noise.gaussian(noise).equals(c.noise()) ? "--noise" : null, seed != c.seed() ? "--seed" : null, limit != c.limit() ? "--limit" : null)
                    .filter(option -> option != null && spec.commandLine().getParseResult().hasMatchedOption(option)).toList();
            if (!changed.isEmpty())
                throw new CommandLine.ParameterException(spec.commandLine(), String.join(", ", changed)
                        + " cannot change when resuming: the run goes on with its checkpoint's settings (" + c.metadata()
                        + "; only --epochs may change)");
            config = new TrainingConfig(epochs != null ? positive("--epochs", epochs) : c.epochs(), c.batch(), c.learningRate(),
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
        DataSet dataSet = data.load(err, ranges);
        String problem = TrainingRun.batchProblem(dataSet, config.batch(), config.limit());
        String limitNote = resume == null ? TrainingRun.limitNote(dataSet, config.limit()) : null;
        if (limitNote != null) err.println(limitNote);
        if (problem != null) {
            if (resume != null) throw new UserError(resume + ": the checkpoint's " + problem);
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + problem);
        }
        if (loaded != null && !loaded.dataSha256().isEmpty()) {
            String now = dataSet.sha256().getOrDefault(DataSet.TRAIN_IMAGES, "");
            if (!loaded.dataSha256().equals(now))
                throw new UserError("the checkpoint in " + resume + " was trained on other data (train images sha256 "
                        + loaded.dataSha256() + ", now " + now + ")");
        }
        if (resumed != null) {
            long stepsPerEpoch = config.stepsPerEpoch(TrainingRun.trainImageCount(dataSet, config.limit()));
            loaded.checkStep(stepsPerEpoch);
            long epochsNeeded = (resumed.step + stepsPerEpoch - 1) / stepsPerEpoch;  // a started epoch counts
            if (resumed.step > config.epochs() * stepsPerEpoch)
                throw new CommandLine.ParameterException(spec.commandLine(), "--epochs " + config.epochs() + ": the checkpoint is at step "
                        + resumed.step + ", in epoch " + epochsNeeded + " of " + stepsPerEpoch + " steps; give --epochs " + epochsNeeded + " or more");
        }
        ProgressBar.Factory bar = terminal ? (start, total, perStep) -> new ProgressBar(err, start, total, perStep)
                : (start, total, perStep) -> null;
        try (Engine e = engine.open(err)) {
            TrainingRun run = new TrainingRun(e, dataSet, config, outDir, out, bar);
            run.ranges(ranges);
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

    private int positive(String option, int value) {
        if (value < 1) throw new CommandLine.ParameterException(spec.commandLine(), option + " must be at least 1, got " + value);
        return value;
    }

    private int nonNegative(String option, int value) {
        if (value < 0) throw new CommandLine.ParameterException(spec.commandLine(), option + " must be 0 or more, got " + value);
        return value;
    }

    private float positiveFloat(String option, float value) {
        if (!(value > 0) || Float.isInfinite(value))
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be a positive number, got " + value);
        return value;
    }

    private float noise(String option, float value) {
        if (!(value >= 0) || Float.isInfinite(value))
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be 0 or a positive number, got " + value);
        return value;
    }

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
