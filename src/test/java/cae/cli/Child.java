package cae.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** cae as a separate process, as a user runs it: for locks, kills and signals, which need a real second process. */
final class Child {
    private Child() {}

    /** The java command line that runs {@code cae args...} from this build. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
                "cae.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** A started process whose stdout and stderr go to files, so it never blocks on a full pipe. */
    record Running(Process process, Path outFile, Path errFile) {
        String stdout() throws IOException { return Files.readString(outFile); }

        String stderr() throws IOException { return Files.readString(errFile); }

        /** Waits for the process; its exit code. */
        int waitFor(int seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the process did not end within " + seconds + " s");
            }
            return process.exitValue();
        }

        /** Waits until stdout holds {@code text}; false if the process ended or the time ran out first. */
        boolean awaitOutput(String text, int seconds) throws IOException, InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                if (stdout().contains(text)) return true;
                if (!process.isAlive()) return stdout().contains(text);
                Thread.sleep(5);
            }
            return false;
        }
    }

    static Running start(Path logs, String name, List<String> command) throws IOException {
        Files.createDirectories(logs);
        Path out = logs.resolve(name + ".out"), err = logs.resolve(name + ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Running(p, out, err);
    }

    /** Sends a signal (INT, TERM, KILL) to the process, as a terminal's Ctrl-C or kill would. */
    static void signal(Running r, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(r.process().pid())).inheritIO().start().waitFor();
    }

    /** A data folder of {@code train} and {@code test} random images of size x size (IDX, no labels). */
    static Path data(Path dir, int train, int test, int size, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        for (String name : new String[] {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"}) {
            int n = name.startsWith("train") ? train : test;
            ByteBuffer b = ByteBuffer.allocate(16 + n * size * size).putInt(0x00000803).putInt(n).putInt(size).putInt(size);
            byte[] pixels = new byte[n * size * size];
            random.nextBytes(pixels);
            Files.write(dir.resolve(name), b.put(pixels).array());
        }
        return dir;
    }

    /** The non-empty lines of a text, but the JVM's own note on the incubator module. */
    static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).toList();
    }
}
