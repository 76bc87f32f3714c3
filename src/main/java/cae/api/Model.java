package cae.api;

import cae.engine.Engine;
import cae.data.ImageFolder;
import cae.io.GreyImages;
import cae.io.ImageFiles;
import cae.io.ModelFileException;
import cae.model.Autoencoder;
import cae.model.Denoiser;
import cae.model.ModelFile;
import cae.model.TiledDenoiser;
import cae.model.TrainedOn;

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
 * <p>A model is grey or colour, as it was trained ({@link #channels()}: 1 or 3), and every image is
 * given to it as such, as the command line's {@code denoise} does: a colour image into a grey model as
 * grey (0.299 R + 0.587 G + 0.114 B of the stored samples), a grey image into a colour model as three
 * equal channels; alpha is ignored. Values are on the [0, 1] scale. Images of any size are denoised in
 * bounded memory: a large one goes through the model in tiles whose result equals the whole image's
 * (bit for bit on the CPU engine; the bilinear decoder's tiles differ slightly where a side is not a
 * multiple of 2^stages). Methods may be called from several threads; they take turns.
 */
public final class Model implements AutoCloseable {
    private final ModelFile.Loaded loaded;
    private final Engine engine;
    private final Autoencoder net;
    private final List<String> notes;
    private final TiledDenoiser tiles;
    /**
     * The last small grey image size's denoiser, kept because an application usually sends one size
     * after another; an image that fits one tile is its own tile, so the output is the tiled one.
     */
    private Denoiser denoiser;
    private int denoiserHeight, denoiserWidth;
    private boolean closed;

    private Model(ModelFile.Loaded loaded, Engine engine, List<String> notes) {
        this.loaded = loaded;
        this.engine = engine;
        this.notes = Collections.unmodifiableList(notes);
        this.net = new Autoencoder(engine, loaded.arch());
        net.setWeights(loaded.params());
        this.tiles = new TiledDenoiser(net);
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
     * @param image grey or colour, any of the types ImageIO reads; converted to the model's channels
     * @return a new 8-bit image of the same size: grey ({@code TYPE_BYTE_GRAY}) for a grey model, RGB
     *         ({@code TYPE_INT_RGB}) for a colour one
     */
    public synchronized BufferedImage denoise(BufferedImage image) {
        int width = image.getWidth(), height = image.getHeight();
        float[] denoised = run(asModelSees(image), height, width);
        return ImageFiles.toBufferedImage(denoised, channels(), width, height);
    }

    /**
     * Denoises one image given as floats in [0, 1], planar: {@code pixels[c * height * width + y * width + x]}.
     *
     * @param channels 1 (grey) or 3 (R, G, B planes); converted to the model's channels
     * @return the denoised image, {@link #channels()} planes of height x width values (in [0, 1], except
     *         that a residual model's output is not clipped)
     * @throws IllegalArgumentException when the array does not hold channels x height x width values
     */
    public synchronized float[] denoise(float[] pixels, int channels, int height, int width) {
        float[] planes = GreyImages.toGrey(pixels, channels, height, width);  // checks the size whatever the model
        if (channels() == 3) planes = channels == 3 ? pixels : threeEqualPlanes(planes);
        return run(planes, height, width);
    }

    /**
     * Denoises an image file (PNG, JPEG, GIF or BMP, grey or colour, any size up to 100 megapixels) into
     * an 8-bit PNG, grey or RGB as the model is, written atomically.
     *
     * @throws IOException when the input cannot be read as an image, is larger than 100 megapixels (by
     *         its header, before decoding), or the output cannot be written
     */
    public synchronized void denoise(Path image, Path output) throws IOException {
        BufferedImage decoded = ImageFiles.decode(image, ImageFolder.DEFAULT_MAX_PIXELS, warning -> {});
        int width = decoded.getWidth(), height = decoded.getHeight();
        float[] planes = asModelSees(decoded);
        decoded = null;  // let the decoded image go before the output is made
        ImageFiles.writePng(output, run(planes, height, width), channels(), width, height);
    }

    /**
     * How an image differs from the images the model learned from, one line each, empty when it does
     * not: a colour image into a grey model, a grey image into a colour one, a mostly light image into
     * a model trained on MNIST (whose digits are light strokes on a dark background). These are the
     * lines the command line's {@code denoise} prints as warnings; nothing is printed here.
     */
    public List<String> warnings(BufferedImage image) {
        return TrainedOn.warnings(loaded, "the image", ImageFiles.colour(image.getColorModel()), asModelSees(image),
                image.getWidth() * image.getHeight());
    }

    /**
     * {@link #warnings(BufferedImage)} for an image given as {@link #denoise(float[], int, int, int)}
     * takes it: 3 channels are colour, 1 grey.
     *
     * @throws IllegalArgumentException when the array does not hold channels x height x width values
     */
    public List<String> warnings(float[] pixels, int channels, int height, int width) {
        float[] grey = GreyImages.toGrey(pixels, channels, height, width);
        return TrainedOn.warnings(loaded, "the image", channels == 3, channels() == 1 ? grey : pixels, height * width);
    }

    /** The image as the model gets it: grey, or R, G, B planes (a grey image's sample in all three). */
    private float[] asModelSees(BufferedImage image) {
        return channels() == 1 ? GreyImages.toGrey(image) : ImageFiles.toRgb(image);
    }

    private static float[] threeEqualPlanes(float[] grey) {
        float[] rgb = new float[3 * grey.length];
        for (int c = 0; c < 3; c++) System.arraycopy(grey, 0, rgb, c * grey.length, grey.length);
        return rgb;
    }

    /** The model's output for planes of its channels. */
    private float[] run(float[] planes, int height, int width) {
        if (closed) throw new IllegalStateException("the model is closed");
        if (channels() != 1 || height > tiles.tile() || width > tiles.tile()) return tiles.denoise(planes, height, width);
        if (denoiser == null || denoiserHeight != height || denoiserWidth != width) {
            if (denoiser != null) denoiser.close();
            denoiser = null;   // a failure below leaves no closed denoiser behind
            denoiser = new Denoiser(net, 1, height, width);
            denoiserHeight = height;
            denoiserWidth = width;
        }
        return denoiser.denoise(List.of(planes))[0];
    }

    /** Channels of the images the model takes and returns: 1 (grey) or 3 (R, G, B), as it was trained. */
    public int channels() { return loaded.arch().channels(); }

    /**
     * What the model file says the model was trained on: its data, channels, image or crop size and
     * noise, e.g. "mnist (grey, 28 x 28 images, noise 0.5)". A model denoises best images like those.
     */
    public String trainedOn() { return loaded.trainedOn(); }

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
