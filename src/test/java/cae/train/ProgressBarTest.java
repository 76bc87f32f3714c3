package cae.train;

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
}
