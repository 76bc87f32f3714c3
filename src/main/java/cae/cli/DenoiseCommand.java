package cae.cli;

import cae.engine.Engine;
import cae.io.GreyImages;
import cae.io.ImageFiles;
import cae.model.Autoencoder;
import cae.model.Denoiser;
import cae.model.ModelFile;
import cae.model.TiledDenoiser;
import cae.model.TrainedOn;
import cae.profile.Ranges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
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
        description = "Applies a saved model to your own PNG/JPEG images of any size, grey or colour as the model was trained; writes "
                + "<name>-denoised.png. Small images of one size go through the model in batches, large ones in tiles (bounded memory).")
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
        List<ImageFiles.Header> headers = new ArrayList<>();
        ranges.push("data loading");
        try {
            loaded = ModelFile.read(model);
            for (Path file : images) headers.add(header(file, maxPixels));
        } finally {
            ranges.pop();
        }
        int channels = loaded.arch().channels();
        out.println(TrainedOn.describe(loaded));
        // small grey images go through the model in batches of their size; the others one at a time, in tiles
        List<Integer> batched = new ArrayList<>(), tiled = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) (channels == 1 && headers.get(i).pixels() <= BATCH_PIXELS ? batched : tiled).add(i);
        Files.createDirectories(outDir);
        try (Engine e = engine.open(err); Autoencoder net = new Autoencoder(e, loaded.arch())) {
            net.setWeights(loaded.params());
            denoiseInBatches(net, loaded, batched, headers, targets, ranges);
            TiledDenoiser tiles = new TiledDenoiser(net);
            for (int i : tiled) {
                Path file = images.get(i);
                float[] planes;
                int h, w;
                ranges.push("data loading");
                try {
                    BufferedImage image = decode(file, maxPixels, err);
                    h = image.getHeight();
                    w = image.getWidth();
                    planes = channels == 1 ? GreyImages.toGrey(image) : ImageFiles.toRgb(image);
                } finally {
                    ranges.pop();
                }
                TrainedOn.warnings(loaded, file.toString(), headers.get(i).colour(), planes, h * w).forEach(line -> err.println("warning: " + line));
                if (!tiles.exact(h, w))
                    err.println("note: " + file + ": the bilinear decoder's tiles differ slightly from its whole-image output at " + w + " x " + h
                            + " (sides not multiples of " + (1 << loaded.arch().stages()) + ")");
                float[] denoised;
                ranges.push("denoise " + w + "x" + h);
                try {
                    denoised = tiles.denoise(planes, h, w);
                } finally {
                    ranges.pop();
                }
                planes = null;  // let the input go before the output is encoded
                ImageFiles.writePng(targets.get(i), denoised, channels, w, h);
                out.println(file + " -> " + targets.get(i));
            }
        }
        return 0;
    }

    /** The images {@code members} (small, grey model) in batches of one size each, in the order given. */
    private void denoiseInBatches(Autoencoder net, ModelFile.Loaded loaded, List<Integer> members, List<ImageFiles.Header> headers,
                                  List<Path> targets, Ranges ranges)
            throws java.io.IOException {
        List<GreyImages.Image> inputs = new ArrayList<>();
        ranges.push("data loading");
        try {
            for (int i : members) inputs.add(readImage(images.get(i), maxPixels, err));
        } finally {
            ranges.pop();
        }
        Map<List<Integer>, List<Integer>> bySize = new LinkedHashMap<>();  // positions in members, by size
        for (int k = 0; k < inputs.size(); k++) {
            GreyImages.Image image = inputs.get(k);
            TrainedOn.warnings(loaded, images.get(members.get(k)).toString(), headers.get(members.get(k)).colour(), image.pixels(), image.pixels().length)
                    .forEach(line -> err.println("warning: " + line));
            bySize.computeIfAbsent(List.of(image.height(), image.width()), key -> new ArrayList<>()).add(k);
        }
        for (Map.Entry<List<Integer>, List<Integer>> group : bySize.entrySet()) {
            int h = group.getKey().get(0), w = group.getKey().get(1);
            List<Integer> same = group.getValue();
            ranges.push("denoise " + w + "x" + h);
            try (Denoiser denoiser = new Denoiser(net, Math.max(1, Math.min(same.size(), BATCH_PIXELS / (h * w))), h, w)) {
                for (int from = 0; from < same.size(); from += denoiser.batch()) {
                    List<Integer> chunk = same.subList(from, Math.min(same.size(), from + denoiser.batch()));
                    float[][] denoised = batch(denoiser, chunk.stream().map(k -> inputs.get(k).pixels()).toList(), ranges);
                    for (int j = 0; j < chunk.size(); j++) {
                        int i = members.get(chunk.get(j));
                        GreyImages.write(targets.get(i), denoised[j], w, h);
                        out.println(images.get(i) + " -> " + targets.get(i));
                    }
                }
            } finally {
                ranges.pop();
            }
        }
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

    /** An image's header: its size (refused in one line above {@code maxPixels}) and whether it has colour. */
    private static ImageFiles.Header header(Path file, long maxPixels) {
        try {
            return ImageFiles.header(file, maxPixels);
        } catch (GreyImages.TooLargeException e) {
            throw new UserError(e.getMessage() + "; give --max-pixels " + e.pixels() + " to denoise it");
        } catch (java.io.IOException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** An image decoded as {@link #readImage} reads it, with its colour. */
    private static BufferedImage decode(Path file, long maxPixels, PrintStream err) {
        return read(file, err, warnings -> ImageFiles.decode(file, maxPixels, warnings));
    }

    /**
     * An image as denoise reads it: refused in one line when it cannot be read or is larger than
     * {@code maxPixels}; the decoder's warnings (a JPEG cut short) on one line of {@code err}, naming the file.
     */
    static GreyImages.Image readImage(Path file, long maxPixels, PrintStream err) {
        return read(file, err, warnings -> GreyImages.read(file, maxPixels, warnings));
    }

    /** Reads an image with {@code reader}, its errors as one line, its warnings on one line of {@code err}. */
    private static <T> T read(Path file, PrintStream err, ImageReader<T> reader) {
        Set<String> warnings = new LinkedHashSet<>();
        T image;
        try {
            image = reader.read(warnings::add);
        } catch (GreyImages.TooLargeException e) {
            throw new UserError(e.getMessage() + "; give --max-pixels " + e.pixels() + " to denoise it");
        } catch (java.io.IOException e) {
            throw new UserError(e.getMessage());
        }
        warn(file, warnings, err);
        return image;
    }

    @FunctionalInterface
    private interface ImageReader<T> {
        T read(java.util.function.Consumer<String> warnings) throws java.io.IOException;
    }

    /** The decoder's warnings for one image, on one line. */
    private static void warn(Path file, Set<String> warnings, PrintStream err) {
        if (warnings.isEmpty()) return;
        List<String> listed = warnings.stream().limit(LISTED_WARNINGS).toList();
        err.println("warning: " + file + ": " + String.join("; ", listed)
                + (warnings.size() > listed.size() ? "; and " + (warnings.size() - listed.size()) + " more" : "")
                + " (the image is denoised as decoded)");
    }
}
