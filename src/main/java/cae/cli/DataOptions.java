package cae.cli;

import cae.data.DataSet;
import cae.data.Images;
import cae.data.MnistFetcher;
import cae.profile.Ranges;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** Where the images come from: a folder of IDX files, or MNIST from the verified cache (fetched on first use). */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder of IDX files (default: MNIST, fetched)")
    Path data;

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
