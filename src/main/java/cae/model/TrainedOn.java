package cae.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a model file says it was trained on, and how an image given to it differs: a model only knows
 * images like the ones it learned from, so the command line's denoise says what those were and warns
 * when an input is not like them, and the Java API's Model gives the same lines.
 */
public final class TrainedOn {
    private TrainedOn() {}

    /** "model runs/x/model.safetensors: trained on mnist (grey, 28 x 28 images, noise gaussian:0.5)". */
    public static String describe(ModelFile.Loaded loaded) {
        return "model " + loaded.file() + ": trained on " + loaded.trainedOn();
    }

    /** Whether the model learned from MNIST. */
    public static boolean mnist(ModelFile.Loaded loaded) {
        return loaded.metadata().getOrDefault("dataset", "").toLowerCase(Locale.ROOT).equals("mnist");
    }

    /**
     * One line for each way the image differs from what the model learned: colour into a grey model,
     * grey into a colour one, a mostly light image (dark strokes on a light page) into the MNIST model,
     * whose digits are light on dark. {@code image} names the image in the lines (a file, or "the
     * image"); {@code planes} holds it as the model gets it (its first {@code plane} values are the grey
     * or red plane).
     */
    public static List<String> warnings(ModelFile.Loaded loaded, String image, boolean colour, float[] planes, int plane) {
        List<String> lines = new ArrayList<>();
        int channels = loaded.arch().channels();
        if (channels == 1 && colour)
            lines.add(image + " is in colour and the model was trained on grey images: it is denoised as grey (a model trained on colour images keeps colour)");
        if (channels == 3 && !colour)
            lines.add(image + " is grey and the model was trained on colour images: it is denoised as colour with three equal channels");
        if (mnist(loaded)) {
            double sum = 0;
            for (int i = 0; i < plane; i++) sum += planes[i];
            double mean = sum / plane;
            if (mean > 0.5)
                lines.add(String.format(Locale.ROOT, "%s is mostly light (mean %.2f) and the MNIST model learned light strokes on a dark background: "
                        + "invert it first, or train a model on images like it", image, mean));
        }
        return lines;
    }
}
