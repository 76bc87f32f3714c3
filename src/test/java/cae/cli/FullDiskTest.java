package cae.cli;

import cae.io.GreyImages;
import cae.model.Architecture;
import cae.model.ModelFile;
import cae.model.Parameters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A full disk and a read-only folder: the error names the file (or folder) in one line, and no
 * temporary file is left. The disk is a small tmpfs mounted in a private mount namespace (unshare)
 * where this machine allows it; else a full disk is simulated with a file-size limit (ulimit -f),
 * which fails writes the same way (the JVM ignores SIGXFSZ), and a read-only folder by its permissions.
 */
class FullDiskTest {
    @TempDir Path tmp;

    /** Whether a tmpfs can be mounted here in a private mount namespace. */
    private static boolean tmpfs;

    @BeforeAll
    static void probe() throws Exception {
        try {
            Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\"")
                    .redirectErrorStream(true).start();
            tmpfs = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException noUnshare) {
            tmpfs = false;
        }
    }

    private static final String FILLER = "filler";

    record Outcome(int code, String stdout, String stderr, List<String> files) {}

    /** Runs cae with {@code dir} on a file system of {@code options} (tmpfs mount options), or the simulation of it; a file system that is not read-only is full. */
    private Outcome onDisk(Path dir, String options, String... args) throws Exception {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>();
        if (tmpfs) {
            // a full disk: the tmpfs filled up to its last block by one file, which the listing leaves out
            String fill = options.contains("ro") ? "" : "cat /dev/zero > \"$0/" + FILLER + "\" 2>/dev/null; ";
            command.addAll(List.of("unshare", "-rm", "sh", "-c", "mount -t tmpfs -o " + options + " tmpfs \"$0\" || exit 97; " + fill
                    + "\"$@\"; rc=$?; echo \"@@files:$(ls -A \"$0\" | grep -v " + FILLER + " | tr '\\n' ' ')\"; exit $rc", dir.toString()));
        } else if (options.contains("ro")) {
            Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "no tmpfs, and permissions do not stop root");
            assertTrue(dir.toFile().setWritable(false, false));
            command.addAll(List.of("sh", "-c", "\"$@\"", "sh"));
        } else {
            command.addAll(List.of("sh", "-c", "ulimit -f 0; exec \"$@\"", "sh"));  // no file may hold a byte
        }
        command.addAll(Child.command(args));
        Child.Running r = Child.start(tmp, "disk", command);
        int code = r.waitFor(300);
        String stdout = r.stdout();
        List<String> files = new ArrayList<>();
        if (tmpfs) {
            String stderr = r.stderr();
            String marker = stdout.lines().filter(l -> l.startsWith("@@files:")).findFirst().orElseThrow(() -> new AssertionError(stderr));
            for (String f : marker.substring("@@files:".length()).trim().split(" ")) if (!f.isEmpty()) files.add(f);
        } else {
            dir.toFile().setWritable(true, false);
            try (var list = Files.list(dir)) {
                list.forEach(f -> files.add(f.getFileName().toString()));
            }
        }
        return new Outcome(code, stdout, r.stderr(), files);
    }

    private Path model() throws Exception {
        Path file = tmp.resolve("model.safetensors");
        ModelFile.write(file, Architecture.RECIPE, Parameters.glorotInit(Architecture.RECIPE, 3), Map.of());
        return file;
    }

    private Path noise(String name, int size) throws Exception {
        Random random = new Random(4);
        float[] pixels = new float[size * size];
        for (int i = 0; i < pixels.length; i++) pixels[i] = random.nextFloat();
        Path file = tmp.resolve(name);
        GreyImages.write(file, pixels, size, size);
        return file;
    }

    private static void assertOneLine(String expected, String stderr) {
        List<String> lines = Child.lines(stderr).stream().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        assertEquals(1, lines.size(), stderr);
        assertTrue(lines.get(0).startsWith(expected), stderr);
        assertFalse(lines.get(0).contains(".tmp"), "names the file, not a temporary one: " + stderr);
    }

    @Test
    void denoiseOntoAFullDiskNamesTheFileAndLeavesNoTemporaryFile() throws Exception {
        Path out = tmp.resolve("small"), image = noise("photo.png", 64);
        Outcome o = onDisk(out, "size=64k", "denoise", "--device", "cpu", "--model", model().toString(), "--out", out.toString(),
                image.toString());
        assertEquals(Main.FAILED, o.code(), o.stderr());
        assertOneLine("cae denoise: could not write " + out.resolve("photo-denoised.png") + ": "
                + (tmpfs ? "No space left on device" : "File too large"), o.stderr());
        assertEquals(List.of(), o.files(), "nothing half-written");
    }

    @Test
    void trainOntoAFullDiskNamesTheFile() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), disk = tmp.resolve("small"), out = disk.resolve("run");
        Outcome o = onDisk(disk, "size=64k", "train", "--device", "cpu", "--data", data.toString(), "--batch", "10", "--epochs", "1",
                "--out", out.toString());
        assertEquals(Main.FAILED, o.code(), o.stderr());
        assertOneLine("cae train: could not write " + out.resolve("checkpoint.safetensors") + ": "
                + (tmpfs ? "No space left on device" : "File too large"), o.stderr());
        if (tmpfs) assertEquals(List.of(), o.files(), "the run's folder, made for nothing, is removed");
    }

    @Test
    void aReadOnlyOutputFolderIsNamed() throws Exception {
        Path data = CommandLineTest.tinyData(tmp.resolve("data"), 20, 1), out = tmp.resolve("read-only");
        Outcome train = onDisk(out, "ro,size=64k", "train", "--device", "cpu", "--data", data.toString(), "--batch", "10",
                "--epochs", "1", "--out", out.toString());
        assertEquals(Main.FAILED, train.code(), train.stderr());
        assertOneLine("cae train: cannot write files in " + out + ": ", train.stderr());

        Outcome denoise = onDisk(out, "ro,size=64k", "denoise", "--device", "cpu", "--model", model().toString(), "--out",
                out.toString(), noise("digit.png", 28).toString());
        assertEquals(Main.FAILED, denoise.code(), denoise.stderr());
        assertOneLine("cae denoise: cannot write files in " + out + ": ", denoise.stderr());
    }
}
