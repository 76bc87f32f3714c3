package cae.train;

import cae.io.AtomicFiles;
import cae.io.LossPlot;
import cae.io.OutputException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * loss.csv (docs/SPEC.md §5.3): one row per training step (step, epoch, loss), appended as losses are read back. A
 * resumed run starts from the rows before the checkpoint's step (from its own folder's log, or the
 * one it continues), so the file always matches the weights that continue.
 */
public final class LossLog implements AutoCloseable {
    public static final String NAME = "loss.csv";
    private static final String HEADER = "step,epoch,loss";

    private final Path file;
    private final BufferedWriter writer;
    private final int stepsPerEpoch;
    private final List<LossPlot.Point> points = new ArrayList<>();

    /** The log in {@code file}, holding the rows of {@code earlier} (often the same file) before {@code resumeStep}. */
    public LossLog(Path file, Path earlier, long resumeStep, int stepsPerEpoch) throws IOException {
        this.file = file;
        this.stepsPerEpoch = stepsPerEpoch;
        StringBuilder kept = new StringBuilder(HEADER).append('\n');
        if (resumeStep > 0 && Files.exists(earlier)) {
            for (String line : Files.readAllLines(earlier, StandardCharsets.UTF_8)) {
                String[] f = line.split(",");
                if (f.length != 3 || !f[0].matches("\\d+")) continue;
                long step = Long.parseLong(f[0]);
                if (step < resumeStep) {
                    kept.append(line).append('\n');
                    points.add(new LossPlot.Point(step, Double.parseDouble(f[2])));
                }
            }
        }
        AtomicFiles.writeString(file, kept.toString());
        try {
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw OutputException.writing(file, e);
        }
    }

    public void append(long firstStep, float[] losses) {
        try {
            for (int i = 0; i < losses.length; i++) {
                long step = firstStep + i;
                writer.write(step + "," + (step / stepsPerEpoch + 1) + "," + losses[i] + "\n");
                points.add(new LossPlot.Point(step, losses[i]));
            }
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(OutputException.writing(file, e));
        }
    }

    /** (step, loss) of every row so far, for the plot. */
    public List<LossPlot.Point> points() { return points; }

    @Override public void close() throws IOException { writer.close(); }
}
