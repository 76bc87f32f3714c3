package cae.train;

/**
 * The run header's account of the images a run uses (docs/SPEC.md §3.5): how many of the training
 * images it trains on, then the validation and test images, so that a run with --limit does not read
 * as if it trained on the whole split.
 */
final class ImagesUsed {
    private ImagesUsed() {}

    /**
     * The data's one line ("MNIST from DIR: 55000 train, 5000 validation, 10000 test images of 28 x
     * 28"), saying "of which the first 5000 (--limit 5000)" where the run takes only some of the
     * training images.
     */
    static String describe(RunData data, int limit) {
        int used = data.train().count(), all = data.allTrainImages();
        return data.description() + (used < all ? "; training on " + used + " of its " + all + " training images (--limit " + limit + ")" : "");
    }
}
