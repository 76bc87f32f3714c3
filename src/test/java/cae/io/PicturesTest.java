package cae.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PicturesTest {
    @Test
    void aRuntimeThatCannotDrawTextSkipsThePictureWithOneNote() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        boolean written = Pictures.writeOrSkip(Path.of("runs", "loss.png"), () -> {
            throw new UnsatisfiedLinkError("/tmp/jre/lib/libfontmanager.so: libharfbuzz.so.0: cannot open shared object file");
        }, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertFalse(written);
        assertEquals("note: loss.png not written: this Java runtime cannot draw text (/tmp/jre/lib/libfontmanager.so: "
                + "libharfbuzz.so.0: cannot open shared object file)\n", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aPictureThatCanBeDrawnIsWrittenAndOtherErrorsPassThrough() throws IOException {
        boolean[] ran = {false};
        assertTrue(Pictures.writeOrSkip(Path.of("x.png"), () -> ran[0] = true, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(ran[0]);
        assertThrows(IOException.class, () -> Pictures.writeOrSkip(Path.of("x.png"), () -> {
            throw new IOException("disk full");
        }, new PrintStream(new ByteArrayOutputStream())));
    }
}
