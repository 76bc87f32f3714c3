package cae.train;

import cae.io.LossPlot;
import cae.io.ModelFileException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run has measured so far: the validation loss at each epoch end, each epoch's training time,
 * and the steps trained and the seconds they took. It travels in the checkpoint, so that the outputs
 * of a resumed run (metrics.json, loss.png) cover the whole run, not only its last process.
 */
public final class RunHistory {
    /** (step, validation loss) at each epoch end. */
    public final List<LossPlot.Point> validation = new ArrayList<>();
    /** Seconds each epoch's training took (a resumed epoch: its part after the resume). */
    public final List<Double> epochSeconds = new ArrayList<>();
    private long trainedSteps;
    private double trainingSeconds;
    /** Whether the steps before a resume are in here (not for a checkpoint written before runs kept a history). */
    private boolean complete = true;

    public boolean complete() { return complete; }

    void addTraining(long steps, double seconds) {
        trainedSteps += steps;
        trainingSeconds += seconds;
    }

    /** Training images per second over every step trained so far, 0 before any. */
    public double imagesPerSecond(int batch) {
        return trainedSteps > 0 && trainingSeconds > 0 ? trainedSteps * (double) batch / trainingSeconds : 0;
    }

    private static final String VALIDATION = "history.validation", EPOCH_SECONDS = "history.epoch_seconds",
            TRAINED_STEPS = "history.trained_steps", TRAINING_SECONDS = "history.training_seconds";

    /** As checkpoint metadata: "step:loss,..." and "seconds,...". */
    Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> points = new ArrayList<>();
        for (LossPlot.Point p : validation) points.add(p.step() + ":" + p.loss());
        meta.put(VALIDATION, String.join(",", points));
        meta.put(EPOCH_SECONDS, String.join(",", epochSeconds.stream().map(String::valueOf).toList()));
        meta.put(TRAINED_STEPS, Long.toString(trainedSteps));
        meta.put(TRAINING_SECONDS, Double.toString(trainingSeconds));
        return meta;
    }

    /** From checkpoint metadata; empty where a checkpoint predates the history. */
    static RunHistory parse(Map<String, String> meta, Path file) {
        RunHistory history = new RunHistory();
        history.complete = meta.containsKey(VALIDATION) || "0".equals(meta.get("step"));
        try {
            for (String point : items(meta.get(VALIDATION))) {
                String[] f = point.split(":");
                if (f.length != 2) throw new NumberFormatException("'" + point + "' is not step:loss");
                history.validation.add(new LossPlot.Point(Long.parseLong(f[0]), Double.parseDouble(f[1])));
            }
            for (String seconds : items(meta.get(EPOCH_SECONDS))) history.epochSeconds.add(Double.parseDouble(seconds));
            history.trainedSteps = Long.parseLong(meta.getOrDefault(TRAINED_STEPS, "0"));
            history.trainingSeconds = Double.parseDouble(meta.getOrDefault(TRAINING_SECONDS, "0"));
        } catch (NumberFormatException e) {
            throw new ModelFileException(file + ": the checkpoint's run history is not readable ("
                    + cae.io.SafeTensors.line(String.valueOf(e.getMessage())) + ")");
        }
        return history;
    }

    private static List<String> items(String list) {
        return list == null || list.isEmpty() ? List.of() : List.of(list.split(","));
    }
}
