package cae.cli;

import java.io.PrintStream;
import cae.engine.Engine;
import cae.engine.Tensor;
import cae.io.GreyImages;
import cae.model.Activations;
import cae.model.Autoencoder;
import cae.model.ModelFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "denoise", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Applies a saved model to your own PNG/JPEG images of any size (colour is converted to grey); writes <name>-denoised.png.")
final class DenoiseCommand implements Callable<Integer> {
    private final PrintStream out, err;

    DenoiseCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A model.safetensors, or a run folder holding one.")
    Path model;

    @Option(names = "--out", defaultValue = ".", paramLabel = "DIR", description = "Where to write the denoised images (default: the current folder).")
    Path outDir;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG or JPEG files.")
    List<Path> images;

    @Mixin EngineOptions engine;

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        ModelFile.Loaded loaded = ModelFile.read(model);
        List<GreyImages.Image> inputs = images.stream().map(DenoiseCommand::read).toList();
        Files.createDirectories(outDir);
        try (Engine e = engine.open(err)) {
            Autoencoder net = new Autoencoder(e, loaded.arch());
            net.setWeights(loaded.params());
            for (int i = 0; i < images.size(); i++) {
                GreyImages.Image in = inputs.get(i);
                Activations a = net.activations(1, in.height(), in.width(), false);
                Tensor output = e.zeros(1, 1, in.height(), in.width());
                e.write(a.input, in.pixels());
                net.forward(a);
                e.sigmoid(a.logits, output);
                float[] pixels = new float[in.pixels().length];
                e.read(output, pixels);
                String name = images.get(i).getFileName().toString().replaceFirst("\\.[^.]*$", "");
                Path target = outDir.resolve(name + "-denoised.png");
                GreyImages.write(target, pixels, in.width(), in.height());
                out.println(images.get(i) + " -> " + target);
            }
        }
        return 0;
    }

    private static GreyImages.Image read(Path file) {
        try {
            return GreyImages.read(file);
        } catch (java.io.IOException e) {
            throw new UserError(file + ": cannot read the image (" + e.getMessage() + ")");
        }
    }
}
