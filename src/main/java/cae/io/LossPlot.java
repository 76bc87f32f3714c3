package cae.io;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;

/**
 * The loss curve, loss.png: training loss against the step, plus evaluation losses (validation,
 * test) drawn with a marker at each point, typically one per epoch. Non-finite losses are left out.
 */
public final class LossPlot {
    static {
        Awt.useHeadlessUnlessSet();
    }

    public static final int WIDTH = 900;
    public static final int HEIGHT = 500;
    private static final Color[] COLOURS = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};

    /** One measurement: the loss after {@code step} training steps. */
    public record Point(long step, double loss) {}

    private record Series(String name, List<Point> points, boolean markers) {}

    private final String title;
    private final List<Series> series = new ArrayList<>();
    private boolean logScale;

    public LossPlot(String title) {
        this.title = title;
    }

    /** The training loss, drawn as a plain line. */
    public LossPlot training(List<Point> points) {
        series.add(new Series("training loss", List.copyOf(points), false));
        return this;
    }

    /** An evaluation loss such as {@code "validation loss"}, drawn as a line with markers. */
    public LossPlot evaluation(String name, List<Point> points) {
        series.add(new Series(name, List.copyOf(points), true));
        return this;
    }

    /** A logarithmic loss axis; ignored when some loss is not positive. */
    public LossPlot logScale(boolean on) {
        logScale = on;
        return this;
    }

    public JFreeChart chart() {
        XYSeriesCollection dataset = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        boolean allPositive = true;
        for (Series s : series) {
            XYSeries data = new XYSeries(s.name, false, true);
            for (Point p : s.points) {
                if (!Double.isFinite(p.loss)) continue;
                data.add(p.step, p.loss);
                allPositive &= p.loss > 0;
            }
            dataset.addSeries(data);
        }

        NumberAxis stepAxis = new NumberAxis("step");
        stepAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        stepAxis.setAutoRangeIncludesZero(false);
        ValueAxis lossAxis;
        if (logScale && allPositive) {
            LogAxis log = new LogAxis("loss (log scale)");
            log.setNumberFormatOverride(new ThreeSignificantDigits());
            lossAxis = log;
        } else {
            NumberAxis linear = new NumberAxis("loss");
            linear.setAutoRangeIncludesZero(false);
            lossAxis = linear;
        }

        XYPlot plot = new XYPlot(dataset, stepAxis, lossAxis, renderer);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartUtils.applyCurrentTheme(chart); // first: the theme resets series colours
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesShapesVisible(i, series.get(i).markers);
            renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(series.get(i).markers ? 2f : 1.5f));
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Log-axis ticks fall at irregular values (0.4467, 0.3981...); three digits are plenty to read them. */
    private static final class ThreeSignificantDigits extends NumberFormat {
        @Override public StringBuffer format(double number, StringBuffer to, FieldPosition position) {
            if (number == 0 || !Double.isFinite(number)) return to.append(number);
            return to.append(new BigDecimal(number).round(new MathContext(3)).stripTrailingZeros().toPlainString());
        }

        @Override public StringBuffer format(long number, StringBuffer to, FieldPosition position) {
            return format((double) number, to, position);
        }

        @Override public Number parse(String source, ParsePosition position) {
            throw new UnsupportedOperationException("format only");
        }
    }

    /** Writes a {@value #WIDTH} x {@value #HEIGHT} PNG, atomically. */
    public void write(Path file) throws IOException {
        Awt.writePng(file, chart().createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null));
    }
}
