package cae.train;

import cae.io.LossPlot;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The run history as checkpoint metadata: it comes back as it was written, and an old checkpoint's absence of it is known. */
class RunHistoryTest {
    @Test
    void comesBackExactlyAndGivesTheSpeedOverEveryTrainedStep() {
        RunHistory history = new RunHistory();
        history.validation.add(new LossPlot.Point(550, 0.12345678901234));
        history.validation.add(new LossPlot.Point(1100, 0.1));
        history.epochSeconds.addAll(List.of(20.25, 19.5));
        history.addTraining(1100, 39.75);
        Map<String, String> meta = new HashMap<>(history.metadata());
        meta.put("step", "1100");
        RunHistory back = RunHistory.parse(meta, Path.of("checkpoint.safetensors"));
        assertEquals(history.validation, back.validation);
        assertEquals(history.epochSeconds, back.epochSeconds);
        assertEquals(1100 * 100 / 39.75, back.imagesPerSecond(100), 1e-9);
        assertTrue(back.complete());
    }

    @Test
    void aCheckpointWithoutAHistoryIsEmptyAndSaysSo() {
        RunHistory old = RunHistory.parse(Map.of("step", "300"), Path.of("checkpoint.safetensors"));
        assertTrue(old.validation.isEmpty() && old.epochSeconds.isEmpty());
        assertEquals(0, old.imagesPerSecond(100));
        assertFalse(old.complete());
        assertTrue(RunHistory.parse(Map.of("step", "0"), Path.of("c")).complete(), "at step 0 there is nothing to miss");
    }

    @Test
    void anUnreadableHistoryNamesTheFile() {
        Exception e = assertThrows(cae.io.ModelFileException.class,
                () -> RunHistory.parse(Map.of("step", "3", "history.validation", "550-0.1"), Path.of("run/checkpoint.safetensors")));
        assertTrue(e.getMessage().startsWith("run/checkpoint.safetensors: the checkpoint's run history is not readable"), e.getMessage());
    }
}
