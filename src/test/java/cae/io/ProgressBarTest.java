package cae.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() { return bytes.toString(StandardCharsets.UTF_8); }

    @Test
    void onATerminalABarIsRedrawnInPlaceWithTheLossAndCleared() {
        ProgressBar bar = new ProgressBar(out, 0, 10, 100);
        bar.update(5);
        assertTrue(printed().startsWith("\r[###############...............] 5/10 steps  "), printed());
        assertTrue(printed().endsWith("\033[K") && printed().contains(" img/s  ETA "), printed());
        bar.loss(0.1234f);
        assertTrue(printed().endsWith("  loss 0.1234\033[K"), "the loss is drawn at once: " + printed());
        bar.update(10);  // the last step is always drawn
        assertTrue(printed().contains("] 10/10 steps"), printed());
        bar.clear();
        assertTrue(printed().endsWith("\r\033[K"), printed());
        assertFalse(printed().contains("\n"), "nothing but the bar: " + printed());
    }

    @Test
    void elsewherePlainLinesAtMostEveryIntervalAndNoneAtTheEnd() {
        ProgressBar quick = ProgressBar.of(out, false, "scoring", "images", 10, 1);
        quick.update(5);
        quick.update(10);
        quick.clear();
        assertEquals("", printed(), "work shorter than the interval prints nothing");

        ProgressBar slow = new ProgressBar(out, false, "scoring", "images", 0, 10, 1, 0);  // every update past the interval
        slow.update(4);
        slow.loss(0.5f);
        slow.update(10);  // done: the caller's own line says so
        assertTrue(printed().matches("scoring: 4/10 images  [\\d,]+ img/s  ETA \\d+s\n"), printed());
    }

    @Test
    void countingOneByOneANoteClearsTheBarAndTheClosingLineSaysHowManyInHowLong() {
        ProgressBar bar = ProgressBar.of(out, true, "decoding photos", "images", 3, 1);
        bar.advance();
        assertTrue(printed().startsWith("\rdecoding photos: [##########....................] 1/3 images  "), printed());
        bar.note("warning: a.jpg: cut short");
        assertTrue(printed().endsWith("\r\033[Kwarning: a.jpg: cut short\n"), "the bar cleared, then the line: " + printed());
        bar.advance();
        assertTrue(printed().contains("] 2/3 images"), "drawn again at once after the note: " + printed());
        bar.advance();
        bar.finish();
        assertTrue(printed().matches("(?s).*\r\033\\[Kdecoding photos: 3 images in \\d+\\.\\d s\n"), printed());

        bytes.reset();
        ProgressBar plain = ProgressBar.of(out, false, "reading photos", "images", 2, 1);
        plain.advance();
        plain.note("note: one");
        plain.advance();
        plain.finish();
        assertTrue(printed().matches("note: one\nreading photos: 2 images in \\d+\\.\\d s\n"), printed());
    }
}
