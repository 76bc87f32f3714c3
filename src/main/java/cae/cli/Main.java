package cae.cli;

import cae.data.DataException;
import cae.engine.select.Engines;
import cae.engine.cuda.CudaException;
import cae.io.FolderLock;
import cae.io.ModelFileException;
import cae.io.OutputException;
import cae.model.Activations;
import cae.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "cae", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Trains and runs a denoising convolutional autoencoder (docs/SPEC.md) on the GPU (CUDA) or the CPU (pure Java).",
        subcommands = {TrainCommand.class, EvalCommand.class, DenoiseCommand.class, ExportCommand.class, BenchCommand.class, CompareCommand.class,
                FetchCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit codes (docs/SPEC.md §8): 0 done, 1 failed (a bad file, a diverged run), 2 usage error, 130 interrupted. */
    public static final int FAILED = 1, USAGE = 2, INTERRUPTED = 130;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** --version: the version and commit the build recorded. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            cae.train.Provenance.Build build = cae.train.Provenance.Build.current();
            return new String[] {"cae " + build.version() + ", commit " + build.commit()};
        }
    }

    /** No subcommand: a syntax error, so the usage (which lists the subcommands) follows the line. */
    @Override public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("cae: a subcommand is required");
        spec.commandLine().usage(err);
        return USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, new Streams(out, err));
    }

    /** The same with every engine a command opens wrapped by {@code engines} (for tests). */
    static int run(String[] args, PrintStream out, PrintStream err, java.util.function.UnaryOperator<cae.engine.Engine> engines) {
        return run(args, new Streams(out, err, engines));
    }

    /** The same with {@code streams} (for tests: a terminal or not, whatever the test runs in). */
    static int run(String[] args, Streams streams) {
        PrintStream out = streams.out(), err = streams.err();
        CommandLine cl = new CommandLine(new Main(), streams.factory());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.registerConverter(Path.class, text -> {
            if (text.isEmpty()) throw new CommandLine.TypeConversionException("an empty name is not a file or folder");
            return Path.of(text);
        });
        // A ParameterException picocli throws while parsing is a syntax error (an unknown option, a missing value,
        // a number that does not parse): the line, then the command's usage. One a command throws once parsing is
        // done is a semantic error (an occupied --out, --epochs 0, a setting that cannot change on resume): the
        // line alone, which names the option and the fix; the usage would only bury it.
        boolean[] executing = {false};
        cl.setExecutionStrategy(parseResult -> {
            executing[0] = true;
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((e, badArgs) -> {
            PrintWriter w = e.getCommandLine().getErr();
            w.println(prefix(e.getCommandLine()) + ": " + e.getMessage());
            if (executing[0]) return USAGE;
            CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
            e.getCommandLine().usage(w);
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = userMessage(e);
            if (message == null) throw e;
            err.println(prefix(cmd) + ": " + message);
            return e instanceof Engines.UnavailableException || e instanceof FolderLock.InUseException ? USAGE : FAILED;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {  // an Error, which picocli does not hand to the handler above
            err.println("cae: " + userMessage(e));
            return FAILED;
        }
    }

    /** "cae train", or "cae" for the top level. */
    private static String prefix(CommandLine cmd) {
        return cmd.getParent() == null ? "cae" : "cae " + cmd.getCommandName();
    }

    /**
     * The one-line message for an error the user can act on, or null for a bug (which keeps its stack
     * trace). A failed CUDA, cuDNN or cuBLAS call names the call and its status, which is what a user
     * can act on (out of memory, a driver problem), so it is reported in one line too.
     */
    static String userMessage(Throwable e) {
        if (e instanceof UserError || e instanceof DataException || e instanceof ModelFileException
                || e instanceof Trainer.DivergedException || e instanceof Engines.UnavailableException
                || e instanceof CudaException || e instanceof Activations.TooLargeException || e instanceof FolderLock.InUseException)
            return e.getMessage();
        OutputException output = OutputException.within(e);  // a full disk, a read-only folder: named with the file
        if (output != null) return output.getMessage();
        if (e instanceof UncheckedIOException || e instanceof IOException) {
            Throwable io = e instanceof UncheckedIOException ? e.getCause() : e;
            return e.getMessage() != null && e instanceof UncheckedIOException ? e.getMessage() : describe((IOException) io);
        }
        if (e instanceof OutOfMemoryError)
            return "out of Java heap memory; use a smaller --batch or give the JVM more with CAE_JAVA_OPTS=-Xmx8g";
        return null;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return e.getMessage() + ": no such file or folder";
        if (e instanceof java.nio.file.AccessDeniedException) return e.getMessage() + ": permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return e.getMessage() + ": exists and is not a folder";
        if (e instanceof java.nio.file.NotDirectoryException) return e.getMessage() + ": not a folder";
        if (e instanceof java.nio.file.FileSystemException) return e.getMessage();
        return e.toString();
    }
}
