package cae.cli;

import java.io.PrintStream;
import cae.data.DataSet;
import cae.data.Images;
import cae.data.Mnist;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.io.ModelFileException;
import cae.model.Autoencoder;
import cae.model.ModelFile;
import cae.profile.Ranges;
import cae.train.Evaluation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Scores a saved model on the test set: loss, PSNR(noisy, clean) and PSNR(denoised, clean), with fixed noise.")
final class EvalCommand implements Callable<Integer> {
    private final PrintStream out, err;
    private final boolean terminal;

    EvalCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
        this.terminal = streams.terminal();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "A model.safetensors, or a run folder holding one.")
    Path model;

    @Option(names = "--noise", paramLabel = "STD", description = "Noise std (default: the model's, else 0.5)")
    Float noise;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Score the first N test images; 0: all (default)")
    int limit;

    @Mixin DataOptions data;
    @Mixin EngineOptions.Plain engine;

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        if (limit < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 0 or more, got " + limit);
        if (noise != null && !(noise >= 0 && Float.isFinite(noise)))
            throw new CommandLine.ParameterException(spec.commandLine(), "--noise must be a finite number, 0 or more, got " + noise);
        ModelFile.Loaded loaded = ModelFile.read(model);
        if (data.data == null) requireMnist(loaded);
        float std = noise != null ? noise : trainingNoise(loaded);
        Ranges ranges = engine.ranges(err);
        DataOptions.TestImages testImages = data.loadTest(err, ranges);
        Images test = testImages.images();
        if (limit > 0 && limit < test.count()) test = test.slice("test", 0, limit);
        try (Engine e = engine.open(err); Autoencoder net = new Autoencoder(e, loaded.arch())) {
            net.setWeights(loaded.params());
            ImageSet testSet = e.upload(test.pixels(), test.count(), test.height(), test.width());
            Evaluation.Result r;
            try {
                r = new Evaluation(net, cae.engine.Noise.gaussian(std), ranges).score(testSet, err, terminal, "scoring");
            } finally {
                e.release(testSet);
            }
            out.printf("model %s (%s decoder) on %s: %d images of %d x %d, noise %s%n", loaded.file(), loaded.arch().decoder().id(),
                    testImages.source(), r.images(), test.height(), test.width(), std);
            out.printf("test loss %.4f%nPSNR noisy    %.2f dB%nPSNR denoised %.2f dB%n", r.loss(), r.psnrNoisy(), r.psnrDenoised());
        }
        return 0;
    }

    /**
     * Without --data, eval scores on MNIST: a model whose metadata records other training data (by
     * its hash) is refused, or it would be scored on images it never learnt, without a word.
     */
    private void requireMnist(ModelFile.Loaded loaded) {
        String hash = loaded.metadata().getOrDefault("dataset_sha256", "");
        if (hash.isEmpty() || hash.equals(Mnist.SHA256.get(DataSet.TRAIN_IMAGES))) return;  // MNIST, or a file that does not say
        throw new CommandLine.ParameterException(spec.commandLine(), loaded.file() + " was trained on "
                + loaded.metadata().getOrDefault("dataset", "other data") + " (training images sha256 " + hash
                + "), not MNIST: give its folder with --data DIR (only its t10k files are needed)");
    }

    /** The noise the model was trained with (its metadata; the recipe's 0.5 when it does not say). */
    private static float trainingNoise(ModelFile.Loaded loaded) {
        String value = loaded.metadata().getOrDefault("noise", "0.5");
        try {
            float std = Float.parseFloat(value);
            if (std >= 0 && Float.isFinite(std)) return std;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFileException(loaded.file() + ": its metadata's noise " + cae.io.SafeTensors.quoted(value) + " is not a number of 0 or more (give --noise)");
    }
}
