package cae.api;

import cae.engine.Engine;
import cae.io.GreyImages;
import cae.io.ModelFileException;
import cae.model.Autoencoder;
import cae.model.Denoiser;
import cae.model.ModelFile;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A trained model on an engine, ready to denoise images of any size. Load it from a run folder or its
 * {@code model.safetensors}, denoise, and close it to give the engine (and the GPU's memory) back:
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("runs/20261127-101500"))) {
 *     BufferedImage clean = model.denoise(ImageIO.read(new File("noisy.png")));
 *     model.denoise(Path.of("scan.png"), Path.of("scan-denoised.png"));
 * }
 * }</pre>
 *
 * <p>The model sees grey images with values in [0, 1]; colour is converted to grey as the command
 * line's {@code denoise} does (0.299 R + 0.587 G + 0.114 B of the stored samples, alpha ignored).
 * Methods may be called from several threads; they take turns.
 */
public final class Model implements AutoCloseable {
    private final ModelFile.Loaded loaded;
    private final Engine engine;
    private final Autoencoder net;
    private final List<String> notes;
    /** The last image size's denoiser, kept because an application usually sends one size after another. */
    private Denoiser denoiser;
    private int denoiserHeight, denoiserWidth;
    private boolean closed;

    private Model(ModelFile.Loaded loaded, Engine engine, List<String> notes) {
        this.loaded = loaded;
        this.engine = engine;
        this.notes = Collections.unmodifiableList(notes);
        this.net = new Autoencoder(engine, loaded.arch());
        net.setWeights(loaded.params());
    }

    /**
     * Loads a model on the engine {@link Device#AUTO} chooses (the GPU where the CUDA engine can run,
     * else the CPU); {@link #notes()} says why when it falls back.
     *
     * @param modelOrRunFolder a {@code model.safetensors}, or a run folder holding one
     * @throws IOException when the file is missing, unreadable or not a model of this program
     */
    public static Model load(Path modelOrRunFolder) throws IOException {
        return load(modelOrRunFolder, EngineSettings.defaults());
    }

    /**
     * Loads a model on the engine the settings ask for.
     *
     * @param modelOrRunFolder a {@code model.safetensors}, or a run folder holding one
     * @throws IOException when the file is missing, unreadable or not a model of this program
     * @throws IllegalStateException for {@link Device#CUDA} where the CUDA engine cannot run, with the reason
     */
    public static Model load(Path modelOrRunFolder, EngineSettings settings) throws IOException {
        ModelFile.Loaded loaded;
        try {
            loaded = ModelFile.read(modelOrRunFolder);
        } catch (ModelFileException e) {
            throw new IOException(e.getMessage(), e);
        }
        List<String> notes = new ArrayList<>();
        Lines log = new Lines(line -> notes.add(line.replaceFirst("^note: ", "")));
        Engine engine = settings.open(log);
        log.close();
        try {
            return new Model(loaded, engine, notes);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Denoises one image of any size.
     *
     * @param image grey or colour (converted to grey), any of the types ImageIO reads
     * @return a new 8-bit grey image of the same size
     */
    public synchronized BufferedImage denoise(BufferedImage image) {
        int width = image.getWidth(), height = image.getHeight();
        float[] denoised = run(GreyImages.toGrey(image), height, width);
        return GreyImages.toBufferedImage(new GreyImages.Image(width, height, denoised));
    }

    /**
     * Denoises one image given as floats in [0, 1], planar: {@code pixels[c * height * width + y * width + x]}.
     *
     * @param channels 1 (grey) or 3 (R, G, B planes, converted to grey)
     * @return the denoised image, {@link #channels()} planes of height x width values in [0, 1]
     * @throws IllegalArgumentException when the array does not hold channels x height x width values
     */
    public synchronized float[] denoise(float[] pixels, int channels, int height, int width) {
        return run(GreyImages.toGrey(pixels, channels, height, width), height, width);
    }

    /**
     * Denoises an image file (PNG, JPEG, GIF or BMP, grey or colour) into a grey PNG, written atomically.
     *
     * @throws IOException when the input cannot be read as an image or the output cannot be written
     */
    public synchronized void denoise(Path image, Path output) throws IOException {
        GreyImages.Image in = GreyImages.read(image);
        GreyImages.write(output, run(in.pixels(), in.height(), in.width()), in.width(), in.height());
    }

    private float[] run(float[] grey, int height, int width) {
        if (closed) throw new IllegalStateException("the model is closed");
        if (denoiser == null || denoiserHeight != height || denoiserWidth != width) {
            if (denoiser != null) denoiser.close();
            denoiser = null;   // a failure below leaves no closed denoiser behind
            denoiser = new Denoiser(net, 1, height, width);
            denoiserHeight = height;
            denoiserWidth = width;
        }
        return denoiser.denoise(List.of(grey))[0];
    }

    /** Channels of the images the model returns: 1 (grey). */
    public int channels() { return 1; }

    /** The decoder variant: nearest (the recipe), bilinear, transposed or unpool. */
    public String decoder() { return loaded.arch().decoder().id(); }

    /** The number of trained parameters (30,689 for the recipe). */
    public int parameterCount() { return loaded.arch().parameterCount(); }

    /** The model file's metadata: the training settings, the data and its SHA-256, the image size, the engine. */
    public Map<String, String> metadata() { return Collections.unmodifiableMap(loaded.metadata()); }

    /** The file the model came from. */
    public Path file() { return loaded.file(); }

    /** The engine that runs it, e.g. "cpu engine, 8 threads, pure Java". */
    public String engine() { return engine.describe(); }

    /**
     * What loading had to say, one line each, without the command line's "note: " prefix: why the CPU
     * runs where the GPU was possible, or that the JVM lacks the Vector API and how to enable it. Empty
     * when there was nothing to say. Nothing is printed.
     */
    public List<String> notes() { return notes; }

    /** Gives the engine back (the GPU's memory); the model cannot denoise afterwards. Closing twice does nothing. */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            if (denoiser != null) denoiser.close();
        } finally {
            engine.close();
        }
    }
}
