package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class LossPlotTest {
    @TempDir Path dir;

    private static List<LossPlot.Point> decaying(int steps, int every) {
        List<LossPlot.Point> points = new ArrayList<>();
        for (int step = every; step <= steps; step += every) points.add(new LossPlot.Point(step, 0.1 + 0.6 * Math.exp(-step / 400.0)));
        return points;
    }

    @Test
    void writesA900By500Png() throws IOException {
        Path file = dir.resolve("loss.png");
        new LossPlot("cae-mnist, cpu engine")
                .training(decaying(5500, 10))
                .evaluation("validation loss", decaying(5500, 550))
                .logScale(true)
                .write(file);
        BufferedImage png = ImageIO.read(file.toFile());
        assertEquals(LossPlot.WIDTH, png.getWidth());
        assertEquals(LossPlot.HEIGHT, png.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < png.getHeight(); y += 2) for (int x = 0; x < png.getWidth(); x += 2) colours.add(png.getRGB(x, y));
        assertTrue(colours.size() > 20, "something is drawn: " + colours.size() + " colours");
    }

    @Test
    void leavesOutNonFiniteLosses() {
        List<LossPlot.Point> points = new ArrayList<>(decaying(100, 10));
        points.add(new LossPlot.Point(110, Double.NaN));
        points.add(new LossPlot.Point(120, Double.POSITIVE_INFINITY));
        assertEquals(10, new LossPlot("diverged").training(points).drawnPoints().get(0).size());
    }

    @Test
    void usesALogAxisOnlyWhenEveryLossIsPositive() {
        assertTrue(new LossPlot("t").training(decaying(100, 10)).logScale(true).drawsLogAxis());
        assertFalse(new LossPlot("t").training(decaying(100, 10)).drawsLogAxis());
        List<LossPlot.Point> withZero = new ArrayList<>(decaying(100, 10));
        withZero.add(new LossPlot.Point(110, 0.0));
        assertFalse(new LossPlot("t").training(withZero).logScale(true).drawsLogAxis());
    }

    @Test
    void drawsEachSeriesInItsColour() {
        BufferedImage png = new LossPlot("t").training(decaying(5500, 10)).evaluation("validation loss", decaying(5500, 550))
                .logScale(true).render();
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < png.getHeight(); y++) for (int x = 0; x < png.getWidth(); x++) colours.add(png.getRGB(x, y) & 0xffffff);
        assertTrue(colours.contains(0x1f77b4), "the training loss in blue");
        assertTrue(colours.contains(0xff7f0e), "the validation loss in orange");
    }

    @Test
    void oneFlatPointOrALossOfZeroStillRenders() {
        assertEquals(LossPlot.HEIGHT, new LossPlot("one").training(List.of(new LossPlot.Point(1, 0.5))).logScale(true).render().getHeight());
        assertEquals(LossPlot.HEIGHT, new LossPlot("zero").training(List.of(new LossPlot.Point(1, 0), new LossPlot.Point(2, 0))).render().getHeight());
    }

    @Test
    void anEmptyPlotStillRenders() throws IOException {
        Path file = dir.resolve("empty.png");
        new LossPlot("no steps yet").training(List.of()).evaluation("test loss", List.of()).logScale(true).write(file);
        assertEquals(LossPlot.WIDTH, ImageIO.read(file.toFile()).getWidth());
    }
}
