package cae.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A data set in MNIST's layout (docs/SPEC.md §4.1), loaded from one directory and split as the recipe
 * does (docs/SPEC.md §3.2).
 *
 * <p>The directory holds {@value #TRAIN_IMAGES} and {@value #TEST_IMAGES} (required) and
 * {@value #TRAIN_LABELS} and {@value #TEST_LABELS} (optional), each raw or gzip-compressed with a
 * ".gz" suffix; when both forms are present the raw one is used. Train and test images must have the
 * same size, and a label file present must have one label per image.
 *
 * <p>Split: validation is the first {@value #VALIDATION_SIZE} training images and train the rest, as
 * long as more than {@value #VALIDATION_SIZE} training images exist; with fewer there is no validation
 * set and train is every training image. Test is the t10k file.
 */
public final class DataSet {
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    public static final int VALIDATION_SIZE = 5000;

    private final Path directory;
    private final Images train;
    private final Images validation;
    private final Images test;
    private final Map<String, String> sha256;
    private final List<Path> files;

    private DataSet(Path directory, Images train, Images validation, Images test,
                    Map<String, String> sha256, List<Path> files) {
        this.directory = directory;
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.sha256 = Collections.unmodifiableMap(sha256);
        this.files = List.copyOf(files);
    }

    /**
     * Whether {@code directory} holds IDX data (a train or test images file, raw or .gz) rather than a
     * folder of photographs: what {@code --data DIR} reads it as.
     */
    public static boolean isIdxFolder(Path directory) {
        return find(directory, TRAIN_IMAGES) != null || find(directory, TEST_IMAGES) != null;
    }

    /** Loads and checks the data set in {@code directory}; throws {@link DataException} on any problem. */
    public static DataSet load(Path directory) {
        checkDirectory(directory);
        Map<String, String> sha256 = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        Images allTrain = loadPart(directory, "train", TRAIN_IMAGES, TRAIN_LABELS, sha256, files);
        Images test = loadPart(directory, "test", TEST_IMAGES, TEST_LABELS, sha256, files);
        if (allTrain.height() != test.height() || allTrain.width() != test.width()) {
            throw new DataException(find(directory, TRAIN_IMAGES) + " holds " + allTrain.height() + " x " + allTrain.width()
                    + " images but " + find(directory, TEST_IMAGES) + " holds " + test.height() + " x " + test.width()
                    + " images; train and test images must be the same size.");
        }

        Images train = allTrain;
        Images validation = null;
        if (allTrain.count() > VALIDATION_SIZE) {
            validation = allTrain.slice("validation", 0, VALIDATION_SIZE);
            train = allTrain.slice("train", VALIDATION_SIZE, allTrain.count());
        }
        return new DataSet(directory, train, validation, test, sha256, files);
    }

    /**
     * Only the test images (and labels, when present) of {@code directory}: what scoring a model needs,
     * so its training files may be absent. Throws {@link DataException} on any problem.
     */
    public static Images loadTest(Path directory) {
        checkDirectory(directory);
        return loadPart(directory, "test", TEST_IMAGES, TEST_LABELS, new LinkedHashMap<>(), new ArrayList<>());
    }

    private static void checkDirectory(Path directory) {
        if (!Files.exists(directory)) throw new DataException(directory + ": data directory not found.");
        if (!Files.isDirectory(directory)) {
            throw new DataException(directory + ": not a directory, expected a directory of IDX files.");
        }
        if (!Files.isReadable(directory)) {
            throw new DataException(directory + ": data directory cannot be read (permission denied).");
        }
    }

    private static Images loadPart(Path directory, String name, String imagesName, String labelsName,
                                   Map<String, String> sha256, List<Path> files) {
        Path imagesPath = find(directory, imagesName);
        if (imagesPath == null) {
            throw new DataException(directory + ": no " + imagesName + " (or " + imagesName + ".gz) in this directory.");
        }
        IdxFile images = IdxFile.readImages(imagesPath);
        sha256.put(imagesName, images.sha256());
        files.add(imagesPath);

        byte[] labels = null;
        Path labelsPath = find(directory, labelsName);
        if (labelsPath != null) {
            IdxFile labelFile = IdxFile.readLabels(labelsPath);
            if (labelFile.count() != images.count()) {
                throw new DataException(imagesPath + " has " + images.count() + " images but " + labelsPath + " has "
                        + labelFile.count() + " labels; the counts must match.");
            }
            sha256.put(labelsName, labelFile.sha256());
            files.add(labelsPath);
            labels = labelFile.labels();
        }
        return new Images(name, images.pixels(), labels, images.count(), images.height(), images.width());
    }

    /** The raw file if present, else the .gz one, else null. */
    private static Path find(Path directory, String name) {
        Path raw = directory.resolve(name);
        if (Files.exists(raw)) return raw;
        Path gz = directory.resolve(name + ".gz");
        return Files.exists(gz) ? gz : null;
    }

    public Path directory() { return directory; }

    /** The training images: all but the first {@value #VALIDATION_SIZE} when there is a validation set. */
    public Images train() { return train; }

    /** The first {@value #VALIDATION_SIZE} training images, or empty when there are not more than that many. */
    public Optional<Images> validation() { return Optional.ofNullable(validation); }

    public Images test() { return test; }

    public int height() { return test.height(); }

    public int width() { return test.width(); }

    /** SHA-256 of the uncompressed content of each file used, keyed by its name without ".gz", in load order. */
    public Map<String, String> sha256() { return sha256; }

    /** The files used, as found (raw or .gz), in load order. */
    public List<Path> files() { return files; }

    /** Whether every file used is the MNIST file of that name (docs/SPEC.md §4.2). */
    public boolean isMnist() {
        for (Map.Entry<String, String> e : sha256.entrySet()) {
            if (!Mnist.matches(e.getKey(), e.getValue())) return false;
        }
        return true;
    }

    /** One line for logs, e.g. "MNIST from DIR: 55000 train, 5000 validation, 10000 test images of 28 x 28". */
    public String describe() {
        return (isMnist() ? "MNIST" : "data set") + " from " + directory + ": " + train.count() + " train, "
                + (validation == null ? "no" : Integer.toString(validation.count())) + " validation, "
                + test.count() + " test images of " + height() + " x " + width()
                + (train.hasLabels() ? "" : ", no labels");
    }
}
