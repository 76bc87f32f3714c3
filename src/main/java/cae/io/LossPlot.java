package cae.io;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loss curve, loss.png: training loss against the step, plus evaluation losses (validation,
 * test) drawn with a marker at each point, typically one per epoch. Non-finite losses are left out.
 * Drawn with Java2D alone: a title, a legend below the plot, grid lines at the ticks, and a
 * logarithmic loss axis on request.
 */
public final class LossPlot {
    static {
        Awt.useHeadlessUnlessSet();
    }

    public static final int WIDTH = 900;
    public static final int HEIGHT = 500;
    private static final Color[] COLOURS = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};
    private static final Color GRID = new Color(0xd3d3d3), FRAME = Color.GRAY, TEXT = Color.DARK_GRAY;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18), LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12),
            TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    /** Room left at each end of an axis, as a share of the data's range (so no point sits on the frame). */
    private static final double MARGIN = 0.05;

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

    /** The points each series draws, in the order added: the finite ones. */
    List<List<Point>> drawnPoints() {
        List<List<Point>> drawn = new ArrayList<>();
        for (Series s : series) drawn.add(s.points.stream().filter(p -> Double.isFinite(p.loss)).toList());
        return drawn;
    }

    /** Whether the loss axis is logarithmic: asked for, and every drawn loss is positive. */
    boolean drawsLogAxis() {
        return logScale && drawnPoints().stream().flatMap(List::stream).allMatch(p -> p.loss > 0);
    }

    /** A linear or logarithmic axis over [low, high] (in data units), with its ticks and their labels. */
    private record Axis(double low, double high, boolean log, List<Double> ticks, List<String> labels) {
        /** Where {@code value} falls, 0 at low and 1 at high. */
        double fraction(double value) {
            return log ? (Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)) : (value - low) / (high - low);
        }
    }

    private static Axis stepAxis(List<Point> points) {
        double[] range = range(points.stream().mapToDouble(Point::step).toArray(), false);
        List<Double> ticks = ticks(range[0], range[1], Math.max(1, niceUnit(range[1] - range[0])));   // whole steps only
        return new Axis(range[0], range[1], false, ticks, ticks.stream().map(t -> String.format(Locale.ROOT, "%,d", Math.round(t))).toList());
    }

    private static Axis lossAxis(List<Point> points, boolean log) {
        double[] range = range(points.stream().mapToDouble(Point::loss).toArray(), log);
        if (log) {
            List<Double> ticks = logTicks(range[0], range[1]);
            if (ticks != null) return new Axis(range[0], range[1], true, ticks, ticks.stream().map(LossPlot::threeDigits).toList());
        }
        double unit = niceUnit(range[1] - range[0]);
        List<Double> ticks = ticks(range[0], range[1], unit);
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(unit) + 1e-9));
        return new Axis(range[0], range[1], log, ticks, ticks.stream().map(t -> String.format(Locale.ROOT, "%." + decimals + "f", t)).toList());
    }

    /** The data's range widened by {@link #MARGIN} at both ends (in log space for a log axis); a default when empty. */
    private static double[] range(double[] values, boolean log) {
        if (values.length == 0) return log ? new double[] {0.1, 1} : new double[] {0, 1};
        double low = Double.POSITIVE_INFINITY, high = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            double x = log ? Math.log10(v) : v;
            low = Math.min(low, x);
            high = Math.max(high, x);
        }
        if (high == low) {   // one value: a window around it
            double half = log ? 0.05 : Math.max(Math.abs(low) * 0.05, 0.5e-3);
            low -= half;
            high += half;
        }
        double span = high - low;
        low -= span * MARGIN;
        high += span * MARGIN;
        return log ? new double[] {Math.pow(10, low), Math.pow(10, high)} : new double[] {low, high};
    }

    /** 1, 2 or 5 times a power of ten, so that a span holds about four to ten ticks. */
    private static double niceUnit(double span) {
        double raw = span / 8, power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5}) if (m * power >= raw) return m * power;
        return 10 * power;
    }

    private static List<Double> ticks(double low, double high, double unit) {
        List<Double> ticks = new ArrayList<>();
        for (long i = (long) Math.ceil(low / unit); i * unit <= high; i++) ticks.add(i * unit);
        return ticks;
    }

    /** 1, 2 and 5 (or every digit) times the powers of ten in range, or null when that gives fewer than four (under a decade). */
    private static List<Double> logTicks(double low, double high) {
        for (double[] mantissas : new double[][] {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
            List<Double> ticks = new ArrayList<>();
            for (int exponent = (int) Math.floor(Math.log10(low)); exponent <= (int) Math.ceil(Math.log10(high)); exponent++)
                for (double m : mantissas) {
                    double tick = m * Math.pow(10, exponent);
                    if (tick >= low && tick <= high) ticks.add(tick);
                }
            if (ticks.size() >= 4) return ticks;
        }
        return null;
    }

    private static String threeDigits(double value) {
        return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** The picture, {@value #WIDTH} x {@value #HEIGHT}. */
    public BufferedImage render() {
        List<List<Point>> drawn = drawnPoints();
        List<Point> all = drawn.stream().flatMap(List::stream).toList();
        Axis x = stepAxis(all), y = lossAxis(all, drawsLogAxis());

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);

            g.setFont(TITLE);
            FontMetrics titleMetrics = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.drawString(title, (WIDTH - titleMetrics.stringWidth(title)) / 2, 8 + titleMetrics.getAscent());
            int top = 8 + titleMetrics.getHeight() + 8;

            g.setFont(TICK);
            FontMetrics tickMetrics = g.getFontMetrics();
            int yLabelWidth = 0;
            for (String s : y.labels) yLabelWidth = Math.max(yLabelWidth, tickMetrics.stringWidth(s));
            g.setFont(LABEL);
            FontMetrics labelMetrics = g.getFontMetrics();
            int left = 10 + labelMetrics.getHeight() + 6 + yLabelWidth + 6;
            int legendHeight = labelMetrics.getHeight() + 12;
            int bottom = HEIGHT - 10 - legendHeight - labelMetrics.getHeight() - 4 - tickMetrics.getHeight() - 6;
            int right = WIDTH - 20;

            // grid, frame, ticks and their labels
            g.setStroke(new BasicStroke(0.5f));
            g.setFont(TICK);
            for (int i = 0; i < x.ticks.size(); i++) {
                double t = x.ticks.get(i);
                int px = left + (int) Math.round(x.fraction(t) * (right - left));
                g.setColor(GRID);
                g.drawLine(px, top, px, bottom);
                g.setColor(TEXT);
                String s = x.labels.get(i);
                g.drawString(s, px - tickMetrics.stringWidth(s) / 2, bottom + 4 + tickMetrics.getAscent());
            }
            for (int i = 0; i < y.ticks.size(); i++) {
                double t = y.ticks.get(i);
                int py = bottom - (int) Math.round(y.fraction(t) * (bottom - top));
                g.setColor(GRID);
                g.drawLine(left, py, right, py);
                g.setColor(TEXT);
                String s = y.labels.get(i);
                g.drawString(s, left - 6 - tickMetrics.stringWidth(s), py + (tickMetrics.getAscent() - tickMetrics.getDescent()) / 2);
            }
            g.setColor(FRAME);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(left, top, right - left, bottom - top);

            // axis names
            g.setFont(LABEL);
            g.setColor(Color.BLACK);
            g.drawString("step", (left + right - labelMetrics.stringWidth("step")) / 2, bottom + 4 + tickMetrics.getHeight() + 4 + labelMetrics.getAscent());
            String lossName = y.log ? "loss (log scale)" : "loss";
            AffineTransform plain = g.getTransform();
            g.translate(10 + labelMetrics.getAscent(), (top + bottom + labelMetrics.stringWidth(lossName)) / 2.0);
            g.rotate(-Math.PI / 2);
            g.drawString(lossName, 0, 0);
            g.setTransform(plain);

            // the series, clipped to the plot
            g.setClip(left, top, right - left + 1, bottom - top + 1);
            for (int i = 0; i < series.size(); i++) {
                List<Point> points = drawn.get(i);
                boolean markers = series.get(i).markers;
                g.setColor(COLOURS[i % COLOURS.length]);
                g.setStroke(new BasicStroke(markers ? 2f : 1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double line = new Path2D.Double();
                for (int k = 0; k < points.size(); k++) {
                    double px = left + x.fraction(points.get(k).step) * (right - left);
                    double py = bottom - y.fraction(points.get(k).loss) * (bottom - top);
                    if (k == 0) line.moveTo(px, py); else line.lineTo(px, py);
                    if (markers) g.fill(new Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7));
                }
                g.draw(line);
            }
            g.setClip(null);

            // legend: a sample of each series' line, then its name, centred below the axis name
            g.setFont(LABEL);
            int sample = 24, spacing = 18, width = 0;
            for (Series s : series) width += sample + 6 + labelMetrics.stringWidth(s.name) + spacing;
            int lx = (WIDTH - (width - spacing)) / 2, ly = HEIGHT - 10 - legendHeight / 2;
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                g.setColor(COLOURS[i % COLOURS.length]);
                g.setStroke(new BasicStroke(s.markers ? 2f : 1.5f));
                g.drawLine(lx, ly, lx + sample, ly);
                if (s.markers) g.fill(new Ellipse2D.Double(lx + sample / 2.0 - 3.5, ly - 3.5, 7, 7));
                g.setColor(Color.BLACK);
                g.drawString(s.name, lx + sample + 6, ly + (labelMetrics.getAscent() - labelMetrics.getDescent()) / 2);
                lx += sample + 6 + labelMetrics.stringWidth(s.name) + spacing;
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Writes a {@value #WIDTH} x {@value #HEIGHT} PNG, atomically. */
    public void write(Path file) throws IOException {
        Awt.writePng(file, render());
    }
}
