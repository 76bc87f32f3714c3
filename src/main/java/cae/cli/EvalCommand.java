package cae.cli;

import java.io.PrintStream;
import cae.data.ImageFolder;
import cae.data.DataSet;
import cae.data.Images;
import cae.data.Mnist;
import cae.engine.Noise;
import cae.metrics.GaussianBlur;
import cae.metrics.PhotoEvaluation;
import cae.io.ProgressBar;
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
        description = {"Scores a saved model on the test set: loss, PSNR(noisy, clean) and PSNR(denoised, clean), with fixed noise.",
                "On a folder of photos: each image whole, PSNR and SSIM of the noisy input, the output and a Gaussian blur; the test part "
                        + "of the model's own training folder (its recorded split), or all of another folder."})
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

    @Option(names = "--noise", paramLabel = "MODEL:S", description = "gaussian:SIGMA (or a sigma), salt-pepper:P, mask:P (default: the model's)")
    String noise;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Score the first N test images; 0: all (default)")
    int limit;

    @Mixin DataOptions data;
    @Mixin EngineOptions.Plain engine;

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        if (limit < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 0 or more, got " + limit);
        data.checkPhotoOptions(spec.commandLine());
        Noise chosen = noise == null ? null : DataOptions.parsed(spec.commandLine(), "--noise", () -> Noise.parse(noise));
        ModelFile.Loaded loaded = ModelFile.read(model);
        if (data.data == null) requireMnist(loaded);
        Noise n = chosen != null ? chosen : trainingNoise(loaded);
        Ranges ranges = engine.ranges(err);
        if (data.photos()) return evaluatePhotos(loaded, n, ranges);
        if (loaded.arch().channels() != 1)
            throw new UserError(loaded.file() + " is a colour model; give it a folder of photos with --data");
        DataOptions.TestImages testImages = data.loadTest(err, ranges);
        Images test = testImages.images();
        if (limit > 0 && limit < test.count()) test = test.slice("test", 0, limit);
        try (Engine e = engine.open(err); Autoencoder net = new Autoencoder(e, loaded.arch())) {
            net.setWeights(loaded.params());
            ImageSet testSet = e.upload(test.pixels(), test.count(), test.height(), test.width());
            Evaluation.Result r;
            try {
                r = new Evaluation(net, n, ranges).score(testSet, err, terminal, "scoring");
            } finally {
                e.release(testSet);
            }
            out.printf("model %s (%s decoder) on %s: %d images of %d x %d, noise %s%n", loaded.file(), loaded.arch().decoder().id(),
                    testImages.source(), r.images(), test.height(), test.width(), n.kind() == Noise.Kind.GAUSSIAN ? n.strength() : n);
            out.printf("test loss %.4f%nPSNR noisy    %.2f dB%nPSNR denoised %.2f dB%n", r.loss(), r.psnrNoisy(), r.psnrDenoised());
        }
        return 0;
    }

    /**
     * A folder of photos: its test part where it is the folder the model was trained on (the split the
     * model file records), else every image of it; each scored whole, with the blur baseline's width
     * chosen on the folder's validation part (else on the scored images).
     */
    private int evaluatePhotos(ModelFile.Loaded loaded, Noise n, Ranges ranges) {
        java.util.Map<String, String> meta = loaded.metadata();
        if (data.color == null) data.color = loaded.arch().channels() == 1 ? "grey" : "rgb";
        boolean splitGiven = data.split != null;
        if (!splitGiven && meta.containsKey("dataset_split")) data.split = meta.get("dataset_split");
        ImageFolder folder;
        ranges.push("data loading");
        try {
            folder = data.loadPhotos(spec.commandLine(), err, terminal, engine.threadCount());
        } finally {
            ranges.pop();
        }
        if (folder.channels() != loaded.arch().channels())
            throw new CommandLine.ParameterException(spec.commandLine(), "--color " + data.color + " gives " + folder.channels()
                    + "-channel images to a model of " + loaded.arch().channels());
        boolean own = folder.identity().equals(meta.get("dataset_sha256"));
        ImageFolder.Part part = own ? folder.test() : folder.all();
        String which = own ? "the test part of the folder the model was trained on (split " + folder.split() + ")"
                : "every image of " + folder.folder() + (meta.containsKey("dataset_sha256") ? " (not the model's training folder)" : "");
        if (limit > 0 && limit < part.count())
            part = new ImageFolder.Part(part.part(), part.folder(), part.pixels().first(limit),
                    part.noisy() == null ? null : part.noisy().first(limit), part.names().subList(0, limit));
        if (part.isEmpty())
            throw new UserError(folder.folder() + ": no images to score in " + which
                    + (meta.containsKey("dataset_test_folder") ? "; the model was tested on " + meta.get("dataset_test_folder") + ": give that folder" : ""));
        String tooSmall = PhotoEvaluation.tooSmall(part);
        if (tooSmall != null) throw new UserError(folder.folder() + ": " + tooSmall);
        ImageFolder.Part validation = own && !folder.validation().isEmpty() && PhotoEvaluation.tooSmall(folder.validation()) == null
                ? folder.validation() : part;
        try (Engine e = engine.open(err); Autoencoder net = new Autoencoder(e, loaded.arch())) {
            net.setWeights(loaded.params());
            ranges.push("whole-image evaluation");
            try {
                PhotoEvaluation photos = new PhotoEvaluation(net, part.noisy() != null ? Noise.NONE : n, Evaluation.NOISE_SEED);
                GaussianBlur.Choice blur = photos.chooseBlur(validation, GaussianBlur.GRID);
                ProgressBar bar = ProgressBar.of(err, terminal, "scoring", "images", part.count(), 1);
                PhotoEvaluation.Result r;
                try {
                    r = photos.evaluate(part, blur.sigma(), (done, total) -> bar.update(done));
                } finally {
                    bar.clear();
                }
                out.printf("model %s on %s: %d images, noise %s; blur baseline sigma %s (chosen on %s)%n", loaded.file(), which, r.images(),
                        r.noise(), r.blurSigma(), validation == part ? "these images" : "the validation part");
                out.printf("%-32s %8s %8s %8s %8s %8s %8s%n", "image", "PSNR in", "PSNR out", "PSNR blur", "SSIM in", "SSIM out", "SSIM blur");
                for (PhotoEvaluation.Row row : r.rows())
                    out.printf("%-32s %8.2f %8.2f %8.2f %8.4f %8.4f %8.4f%n", row.name(), row.psnrNoisy(), row.psnrDenoised(), row.psnrBlur(),
                            row.ssimNoisy(), row.ssimDenoised(), row.ssimBlur());
                out.printf("%-32s %8.2f %8.2f %8.2f %8.4f %8.4f %8.4f%n", "mean", r.psnrNoisy(), r.psnrDenoised(), r.psnrBlur(),
                        r.ssimNoisy(), r.ssimDenoised(), r.ssimBlur());
            } finally {
                ranges.pop();
            }
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
    private static Noise trainingNoise(ModelFile.Loaded loaded) {
        String value = loaded.metadata().getOrDefault("noise", "0.5");
        try {
            return Noise.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(loaded.file() + ": its metadata's noise " + cae.io.SafeTensors.quoted(value)
                    + " is not a noise model (give --noise)");
        }
    }
}
