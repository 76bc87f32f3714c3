package cae.data;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Running the package tools that data comes through (npm, apt-get, dpkg-deb): found on PATH, bounded in time, failures in one line. */
final class Programs {
    private Programs() {}

    /** {@code program} on PATH (with ".cmd" on Windows where it is a script there), or null. */
    static Path find(String program) {
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        String name = windows && program.equals("npm") ? "npm.cmd" : program;
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    /**
     * Runs {@code command} in {@code dir} with its output in {@code log}; throws {@link IOException}
     * saying what failed: not finished within {@code timeoutSeconds}, or a non-zero exit with the last
     * line it printed.
     */
    static void run(List<String> command, Path dir, Path log, long timeoutSeconds, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        String what = Path.of(command.get(0)).getFileName() + (command.size() > 1 ? " " + command.get(1) : "");
        Process process = builder.start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + " was interrupted");
        }
        if (process.exitValue() != 0) throw new IOException(what + " exited with " + process.exitValue() + ": " + lastLine(log));
    }

    /** The last line of a program's output that is not blank, or "no output". */
    static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i).trim();
        } catch (IOException ignored) {
            // fall through
        }
        return "no output";
    }
}
