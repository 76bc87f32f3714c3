package cae.data;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reads archives written by the system's tar command, in the formats npm and GNU tar write. */
class TarArchiveTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ustar", "pax", "gnu"})
    void extractsTheWantedFilesOnly(String format) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/package/data"));
        byte[] big = IdxFiles.pixels(7, 33, 31, 3); // 1,617 bytes: several blocks and a partial one
        Files.write(src.resolve("wanted.bin"), big);
        Files.write(src.resolve("other.bin"), new byte[] {9, 9, 9});
        Files.writeString(src.getParent().resolve("package.json"), "{}");
        // 112 characters: ustar must split it into prefix and name, gnu writes a long-name entry.
        String longDir = "d".repeat(95);
        Path deep = Files.createDirectories(tmp.resolve("src/package/" + longDir));
        Files.write(deep.resolve("deep.bin"), new byte[] {1, 2, 3, 4, 5});

        Path archive = tmp.resolve("a.tar");
        Process tar;
        try {
            tar = new ProcessBuilder("tar", "--format=" + format, "-cf", archive.toString(),
                    "-C", tmp.resolve("src").toString(), "package").redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no tar command: " + e.getMessage());
            return;
        }
        String output = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), output);

        Path out1 = tmp.resolve("wanted.out");
        Path out2 = tmp.resolve("deep.out");
        Set<String> found;
        try (InputStream in = Files.newInputStream(archive)) {
            found = TarArchive.extract(in, Map.of(
                    "package/data/wanted.bin", out1,
                    "package/" + longDir + "/deep.bin", out2,
                    "package/data/absent.bin", tmp.resolve("absent.out")));
        }
        assertEquals(Set.of("package/data/wanted.bin", "package/" + longDir + "/deep.bin"), found);
        assertArrayEquals(big, Files.readAllBytes(out1));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Files.readAllBytes(out2));
        assertFalse(Files.exists(tmp.resolve("absent.out")));
    }
}
