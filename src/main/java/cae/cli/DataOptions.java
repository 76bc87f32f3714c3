package cae.cli;

import cae.data.DataSet;
import cae.data.Images;
import cae.data.MnistFetcher;
import cae.profile.Ranges;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where the images come from: a folder of IDX files, a folder of photographs (PNG, JPEG, BMP, GIF,
 * searched recursively), or MNIST from the verified cache (fetched on first use).
 */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Photo or IDX folder (default: MNIST, fetched)")
    Path data;

    @Option(names = "--color", paramLabel = "grey|rgb", description = "Photos: channels (default: as the images)")
    String color;

    @Option(names = "--noisy-data", paramLabel = "DIR", description = "Photos: real noisy twins, same relative paths")
    Path noisyData;

    @Option(names = "--split", paramLabel = "T,V,E", description = "Photos: split by path hash (default 0.8,0.1,0.1)")
    String split;

    @Option(names = "--val", paramLabel = "DIR", description = "Photos: validation images, not from the split")
    Path validationFolder;

    @Option(names = "--test", paramLabel = "DIR", description = "Photos: test images, not from the split")
    Path testFolder;

    @Option(names = "--max-pixels", paramLabel = "N", description = "Photos: refuse larger images (default 1e8)")
    Long maxPixels;

    /** Whether --data names a folder of photographs (not IDX files, not the default MNIST). */
    boolean photos() {
        return cae.data.ImageFolder.holdsPhotos(data);
    }

    /** The photo-only options given with IDX data, which they do not apply to: a usage error. */
    void checkPhotoOptions(picocli.CommandLine cmd) {
        if (photos()) return;
        java.util.List<String> given = java.util.stream.Stream.of("--color", "--noisy-data", "--split", "--val", "--test", "--max-pixels")
                .filter(cmd.getParseResult()::hasMatchedOption).toList();
        if (!given.isEmpty())
            throw new picocli.CommandLine.ParameterException(cmd, String.join(", ", given) + " applies to a folder of photos given with --data, not to "
                    + (data == null ? "MNIST" : "the IDX files in " + data));
    }

    /** The folder of photographs, decoded (or its decoded store reused), with a progress bar on a terminal. */
    cae.data.ImageFolder loadPhotos(picocli.CommandLine cmd, PrintStream log, boolean terminal, int threads) {
        cae.data.ImageFolder.Options options = new cae.data.ImageFolder.Options(data).validation(validationFolder).test(testFolder)
                .noisy(noisyData).threads(threads).log(log, terminal);
        if (color != null) options.color(parsed(cmd, "--color", () -> cae.data.ImageFolder.Color.parse(color)));
        if (split != null) options.split(parsed(cmd, "--split", () -> cae.data.Split.parse(split)));
        if (maxPixels != null) options.maxPixels(maxPixels);
        return cae.data.ImageFolder.load(options);
    }

    DataSet load(PrintStream log) {
        return data != null ? DataSet.load(data) : MnistFetcher.load(MnistFetcher.defaultCacheDir(), log);
    }

    /** The same, in a range "data loading". */
    DataSet load(PrintStream log, Ranges ranges) {
        ranges.push("data loading");
        try {
            return load(log);
        } finally {
            ranges.pop();
        }
    }

    /** The option's value, or a usage error "OPTION why" where its parser refuses it. */
    static <T> T parsed(picocli.CommandLine cmd, String option, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(cmd, option.isEmpty() ? e.getMessage() : option + " " + e.getMessage());
        }
    }

    /** Test images and where they came from, for a log line. */
    record TestImages(Images images, String source) {}

    /** The test images only: from --data, which then needs no training files, or from MNIST. */
    TestImages loadTest(PrintStream log, Ranges ranges) {
        ranges.push("data loading");
        try {
            if (data != null) return new TestImages(DataSet.loadTest(data), "the test images in " + data);
            Path mnist = MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), log);
            return new TestImages(DataSet.loadTest(mnist), "MNIST's test images in " + mnist);
        } finally {
            ranges.pop();
        }
    }
}
