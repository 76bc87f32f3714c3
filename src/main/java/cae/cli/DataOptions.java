package cae.cli;

import cae.data.DataSet;
import cae.data.MnistFetcher;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** Where the images come from: a folder of IDX files, or MNIST from the verified cache (fetched on first use). */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with train-images-idx3-ubyte, t10k-images-idx3-ubyte (raw or .gz, labels optional), e.g. Fashion-MNIST. Default: MNIST, fetched and verified into the cache ($CAE_DATA or ~/.cache/cae/mnist).")
    Path data;

    DataSet load(PrintStream log) {
        return data != null ? DataSet.load(data) : MnistFetcher.load(MnistFetcher.defaultCacheDir(), log);
    }
}
