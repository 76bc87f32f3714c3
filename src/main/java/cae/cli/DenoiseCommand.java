package cae.cli;

import cae.engine.Engine;
import cae.io.GreyImages;
import cae.model.Autoencoder;
import cae.model.Denoiser;
import cae.model.ModelFile;
import cae.profile.Ranges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "denoise", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Applies a saved model to your own PNG/JPEG images of any size (colour is converted to grey); writes <name>-denoised.png. "
                + "Images of one size go through the model in batches.")
final class DenoiseCommand implements Callable<Integer> {
    private final PrintStream out, err;

    DenoiseCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A model.safetensors, or a run folder holding one.")
    Path model;

    @Option(names = "--out", defaultValue = ".", paramLabel = "DIR", description = "Folder to write into (default: the current one)")
    Path outDir;

    @Option(names = "--overwrite", description = "Replace <name>-denoised.png files that exist")
    boolean overwrite;

    @Option(names = "--max-pixels", defaultValue = "100000000", paramLabel = "N",
            description = "Refuse larger images (default: ${DEFAULT-VALUE})")
    long maxPixels;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG or JPEG files.")
    List<Path> images;

    @Mixin EngineOptions.Plain engine;

    /**
     * Pixels per batch: up to 256 images of 28 x 28 go through the model at once (about 100 MB of
     * activations); a large photo goes alone.
     */
    static final int BATCH_PIXELS = 256 * 28 * 28;

    @Override public Integer call() throws Exception {
        engine.validate(spec.commandLine());
        List<Path> targets = images.stream().map(this::target).toList();
        Map<Path, Path> writtenFrom = new HashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            Path first = writtenFrom.putIfAbsent(targets.get(i), images.get(i));
            if (first != null)
                throw new CommandLine.ParameterException(spec.commandLine(), first + " and " + images.get(i)
                        + " would both be written to " + targets.get(i) + "; denoise them into different --out folders");
        }
        if (maxPixels < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--max-pixels must be at least 1, got " + maxPixels);
        List<Path> existing = overwrite ? List.of() : targets.stream().filter(Files::exists).toList();
        if (!existing.isEmpty())
            throw new CommandLine.ParameterException(spec.commandLine(), existing.get(0)
                    + (existing.size() > 1 ? " and " + (existing.size() - 1) + " more exist" : " exists")
                    + "; give --overwrite to replace " + (existing.size() > 1 ? "them" : "it") + ", or choose another --out");
        Ranges ranges = engine.ranges(err);
        ModelFile.Loaded loaded;
        List<GreyImages.Image> inputs;
        ranges.push("data loading");
        try {
            loaded = ModelFile.read(model);
            inputs = images.stream().map(file -> readImage(file, maxPixels, err)).toList();
        } finally {
            ranges.pop();
        }
        // images of one size go through the model together, in the order given
        Map<List<Integer>, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++)
            bySize.computeIfAbsent(List.of(inputs.get(i).height(), inputs.get(i).width()), k -> new ArrayList<>()).add(i);
        Files.createDirectories(outDir);
        try (Engine e = engine.open(err); Autoencoder net = new Autoencoder(e, loaded.arch())) {
            net.setWeights(loaded.params());
            for (Map.Entry<List<Integer>, List<Integer>> group : bySize.entrySet()) {
                int h = group.getKey().get(0), w = group.getKey().get(1);
                List<Integer> members = group.getValue();
                ranges.push("denoise " + w + "x" + h);
                try (Denoiser denoiser = new Denoiser(net, Math.max(1, Math.min(members.size(), BATCH_PIXELS / (h * w))), h, w)) {
                    for (int from = 0; from < members.size(); from += denoiser.batch()) {
                        List<Integer> chunk = members.subList(from, Math.min(members.size(), from + denoiser.batch()));
                        float[][] denoised = batch(denoiser, chunk.stream().map(i -> inputs.get(i).pixels()).toList(), ranges);
                        for (int k = 0; k < chunk.size(); k++) {
                            int i = chunk.get(k);
                            GreyImages.write(targets.get(i), denoised[k], w, h);
                            out.println(images.get(i) + " -> " + targets.get(i));
                        }
                    }
                } finally {
                    ranges.pop();
                }
            }
        }
        return 0;
    }

    /** One batch through the model, in a range "denoise batch". */
    private static float[][] batch(Denoiser denoiser, List<float[]> pixels, Ranges ranges) {
        ranges.push("denoise batch");
        try {
            return denoiser.denoise(pixels);
        } finally {
            ranges.pop();
        }
    }

    private Path target(Path image) {
        return outDir.resolve(image.getFileName().toString().replaceFirst("\\.[^.]*$", "") + "-denoised.png");
    }

    /** At most this many distinct decoder warnings are listed for one image. */
    private static final int LISTED_WARNINGS = 3;

    /**
     * An image as denoise reads it: refused in one line when it cannot be read or is larger than
     * {@code maxPixels}; the decoder's warnings (a JPEG cut short) on one line of {@code err}, naming the file.
     */
    static GreyImages.Image readImage(Path file, long maxPixels, PrintStream err) {
        Set<String> warnings = new LinkedHashSet<>();
        GreyImages.Image image;
        try {
            image = GreyImages.read(file, maxPixels, warnings::add);
        } catch (GreyImages.TooLargeException e) {
            throw new UserError(e.getMessage() + "; give --max-pixels " + e.pixels() + " to denoise it");
        } catch (java.io.IOException e) {
            throw new UserError(e.getMessage());
        }
        if (!warnings.isEmpty()) {
            List<String> listed = warnings.stream().limit(LISTED_WARNINGS).toList();
            err.println("warning: " + file + ": " + String.join("; ", listed)
                    + (warnings.size() > listed.size() ? "; and " + (warnings.size() - listed.size()) + " more" : "")
                    + " (the image is denoised as decoded)");
        }
        return image;
    }
}
