package cae.train;

import cae.data.DataSet;
import cae.data.ImageFolder;
import cae.data.Images;
import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Pixels;

import java.util.function.Function;

/**
 * The images a run trains, validates and tests on, whatever they come from: an IDX data set (MNIST,
 * whole images of one size) or a folder of photographs (any sizes, grey or colour, trained on crops,
 * possibly with real noisy twins). The run sees only its parts and how to put each on an engine.
 *
 * @param description one line for logs and metrics.json
 * @param name        what the model file records as the data ("mnist", or the folder)
 * @param identity    the hash a checkpoint and a model file record, so a resume or an eval knows the data
 * @param split       a folder's split ("0.8,0.1,0.1"), which eval takes the test part of; null for IDX data
 * @param testFolder  the folder of the test images where they are not a part of the data folder (--test), else null
 * @param allTrainImages the training images there are, of which {@code train} may take the first few (--limit)
 * @param validation  null where there are no validation images
 */
public record RunData(String description, String name, String identity, String split, String testFolder, int channels, int allTrainImages, Part train, Part validation, Part test) {

    /**
     * One part's images: their number and sizes (height and width are 0 where the sizes differ), and
     * how to upload them, and their noisy twins (null: none, the run adds synthetic noise); for a
     * folder of photos, the folder's part itself (scored whole, image by image), else null.
     */
    public record Part(String what, int count, int height, int width, int minHeight, int minWidth,
                       Function<Engine, ImageSet> upload, Function<Engine, ImageSet> uploadNoisy, ImageFolder.Part photos) {
        public boolean sameSize() { return height > 0; }
        public boolean hasNoisyTwins() { return uploadNoisy != null; }
    }

    /** The IDX set's parts; the first {@code limit} training images only where {@code limit > 0}. */
    public static RunData of(DataSet data, int limit) {
        Images train = data.train();
        int all = train.count();
        if (limit > 0 && limit < train.count()) train = train.slice("train", 0, limit);
        String hash = data.sha256().getOrDefault(DataSet.TRAIN_IMAGES, "");
        return new RunData(data.describe(), data.isMnist() ? "mnist" : data.describe(), hash, null, null, 1, all, part(train),
                data.validation().map(RunData::part).orElse(null), part(data.test()));
    }

    private static Part part(Images images) {
        return new Part(images.name(), images.count(), images.height(), images.width(), images.height(), images.width(),
                engine -> engine.upload(images.pixels(), images.count(), images.height(), images.width()), null, null);
    }

    /** The folder's parts; the first {@code limit} training images only where {@code limit > 0}. */
    public static RunData of(ImageFolder folder, int limit) {
        ImageFolder.Part train = folder.train();
        int n = limit > 0 ? limit : train.count();
        Part trainPart = part("train", train.pixels().first(n), train.noisy() == null ? null : train.noisy().first(n), null);
        Part validation = folder.validation().isEmpty() ? null : part("validation", folder.validation());
        Part test = part("test", folder.test());
        return new RunData(folder.describe(), folder.folder().toString(), folder.identity(), folder.split().toString(),
                folder.test().folder().equals(folder.folder()) ? null : folder.test().folder().toString(), folder.channels(), train.count(),
                trainPart, validation, test);
    }

    /**
     * What keeps this data from training and scoring with crops of side {@code patch} (0: whole
     * images), or null: it needs test images, and images of one size or a patch that fits every image.
     *
     * @param option how the caller names a setting, from its command-line name without dashes ("patch",
     *               "split", "test"), for the message's hint
     */
    public String sizeProblem(int patch, java.util.function.UnaryOperator<String> option) {
        if (test.count() == 0)
            return name + " gives no test images with the split " + split + "; add images, change " + option.apply("split")
                    + ", or give " + option.apply("test") + " DIR";
        for (Part part : new Part[] {train, validation, test}) {
            if (part == null) continue;
            if (patch == 0 && !part.sameSize())
                return "the " + part.what() + " images of " + name + " differ in size; give " + option.apply("patch")
                        + " P to train on P x P crops (e.g. " + option.apply("patch") + " 64)";
            if (patch > Math.min(part.minHeight(), part.minWidth()))
                return option.apply("patch") + " " + patch + " is larger than the smallest " + part.what() + " image ("
                        + part.minWidth() + " x " + part.minHeight() + "); give a smaller " + option.apply("patch");
        }
        if (patch == 0 && (train.height() != test.height() || train.width() != test.width()))
            return "the train and test images of " + name + " differ in size; give " + option.apply("patch")
                    + " P to train and score on P x P crops";
        return null;
    }

    private static Part part(String what, ImageFolder.Part photos) { return part(what, photos.pixels(), photos.noisy(), photos); }

    private static Part part(String what, Pixels pixels, Pixels noisy, ImageFolder.Part photos) {
        boolean same = pixels.sameSize() && pixels.count() > 0;
        return new Part(what, pixels.count(), same ? pixels.height(0) : 0, same ? pixels.width(0) : 0, pixels.minHeight(), pixels.minWidth(),
                engine -> engine.upload(pixels), noisy == null ? null : engine -> engine.upload(noisy), photos);
    }
}
