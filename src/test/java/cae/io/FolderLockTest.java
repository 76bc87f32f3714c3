package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The output folder's lock, in one process (ConcurrentRunTest has two). */
class FolderLockTest {
    @TempDir Path tmp;

    @Test
    void aHeldFolderIsRefusedAndFreedOnClose() throws Exception {
        Path folder = tmp.resolve("run");
        try (FolderLock lock = FolderLock.take(folder)) {
            assertTrue(Files.exists(folder.resolve(FolderLock.NAME)));
            FolderLock.InUseException e = assertThrows(FolderLock.InUseException.class, () -> FolderLock.take(folder));
            assertTrue(e.getMessage().startsWith(folder + " is in use by another cae process"), e.getMessage());
            Files.writeString(folder.resolve("loss.csv"), "step,epoch,loss\n");
        }
        assertFalse(Files.exists(folder.resolve(FolderLock.NAME)), "the lock file is removed");
        assertTrue(Files.exists(folder.resolve("loss.csv")), "a folder holding files stays");
        FolderLock.take(folder).close();  // free again
    }

    @Test
    void aFolderMadeForNothingIsRemovedAndAStaleLockIsTakenOver() throws Exception {
        Path folder = tmp.resolve("a/b/run");
        FolderLock.take(folder).close();
        assertFalse(Files.exists(folder), "made by the lock and left empty: removed");

        Path killed = Files.createDirectories(tmp.resolve("killed"));
        Files.writeString(killed.resolve(FolderLock.NAME), "");  // a run killed with -9 leaves its lock file, not its lock
        try (FolderLock lock = FolderLock.take(killed)) {
            assertEquals(killed, lock.folder());
        }
        assertTrue(Files.isDirectory(killed), "a folder that was there stays");
    }

    @Test
    void aFileInThePlaceOfTheFolderIsNamed() throws Exception {
        Path file = Files.writeString(tmp.resolve("run"), "not a folder");
        OutputException e = assertThrows(OutputException.class, () -> FolderLock.take(file));
        assertTrue(e.getMessage().startsWith("cannot write files in " + file), e.getMessage());
    }
}
