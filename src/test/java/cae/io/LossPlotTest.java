package cae.io;

import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
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
        XYPlot plot = new LossPlot("diverged").training(points).chart().getXYPlot();
        assertEquals(10, plot.getDataset().getItemCount(0));
    }

    @Test
    void usesALogAxisOnlyWhenEveryLossIsPositive() {
        assertInstanceOf(LogAxis.class, new LossPlot("t").training(decaying(100, 10)).logScale(true).chart().getXYPlot().getRangeAxis());
        assertInstanceOf(NumberAxis.class, new LossPlot("t").training(decaying(100, 10)).chart().getXYPlot().getRangeAxis());
        List<LossPlot.Point> withZero = new ArrayList<>(decaying(100, 10));
        withZero.add(new LossPlot.Point(110, 0.0));
        assertInstanceOf(NumberAxis.class, new LossPlot("t").training(withZero).logScale(true).chart().getXYPlot().getRangeAxis());
    }

    @Test
    void anEmptyPlotStillRenders() throws IOException {
        Path file = dir.resolve("empty.png");
        new LossPlot("no steps yet").training(List.of()).evaluation("test loss", List.of()).logScale(true).write(file);
        assertEquals(LossPlot.WIDTH, ImageIO.read(file.toFile()).getWidth());
    }
}
