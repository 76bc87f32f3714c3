package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class AtomicFilesTest {
    @TempDir Path dir;

    private List<Path> filesIn(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path target = dir.resolve("loss.csv");
        AtomicFiles.writeString(target, "step,loss\n");
        assertEquals("step,loss\n", Files.readString(target));
        AtomicFiles.writeString(target, "replaced");
        assertEquals("replaced", Files.readString(target));
        assertEquals(List.of(target), filesIn(dir));
    }

    @Test
    void aFailingBodyLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old content");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]); // more than the buffer, so part of it reaches the temporary file
            throw new IOException("disk full");
        }));
        assertEquals("disk full", thrown.getMessage());
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of(target), filesIn(dir));

        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new UncheckedIOException(new IOException("unchecked"));
        }));
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of(target), filesIn(dir));
    }

    @Test
    void aFailingBodyCreatesNoFile() throws IOException {
        Path target = dir.resolve("new.png");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(List.of(), filesIn(dir));
    }

    @Test
    void theBodyMayCloseItsStreamAndParentsAreCreated() throws IOException {
        Path target = dir.resolve("run/1/checkpoint.bin");
        AtomicFiles.write(target, out -> {
            try (DataOutputStream data = new DataOutputStream(out)) {
                data.writeInt(0x01020304);
            }
        });
        assertArrayEquals(new byte[]{1, 2, 3, 4}, Files.readAllBytes(target));
        assertEquals(List.of(target), filesIn(target.getParent()));
    }

    @Test
    void theTemporaryFilesOfKilledWritesAreRemovedAndNothingElse() throws IOException {
        Files.writeString(dir.resolve(".checkpoint.safetensors.7f3a9c01e2d4b5a6.tmp"), "half a checkpoint");
        Files.writeString(dir.resolve(".loss.png.12ab.tmp"), "half a picture");
        for (String kept : List.of("notes.tmp", ".hidden.tmp", "model.safetensors", ".x.zz.tmp")) Files.writeString(dir.resolve(kept), kept);
        assertEquals(2, AtomicFiles.removeLeftovers(dir));
        assertEquals(List.of(".hidden.tmp", ".x.zz.tmp", "model.safetensors", "notes.tmp"),
                filesIn(dir).stream().map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void aFolderThatCannotTakeTheTemporaryFileIsNamed() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        OutputException e = assertThrows(OutputException.class, () -> AtomicFiles.writeString(notAFolder.resolve("out.txt"), "y"));
        assertTrue(e.getMessage().startsWith("cannot write files in " + notAFolder + ": "), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }
}
