package cae.train;

import cae.data.DataSet;

/**
 * The run header's account of the images a run uses (docs/SPEC.md §3.5): how many of the training
 * images it trains on, then the validation and test images, so that a run with --limit does not read
 * as if it trained on the whole split.
 */
final class ImagesUsed {
    private ImagesUsed() {}

    /**
     * "MNIST from DIR: 5000 of its 55000 training images (--limit 5000), 5000 validation and 10000 test
     * images of 28 x 28", or "...: 55000 training, ..." when the run takes them all.
     */
    static String describe(DataSet data, int trainImages, int limit) {
        int all = data.train().count();
        String training = trainImages < all ? trainImages + " of its " + all + " training images (--limit " + limit + "), "
                : all + " training, ";
        return (data.isMnist() ? "MNIST" : "the data set") + " from " + data.directory() + ": " + training
                + data.validation().map(v -> v.count() + " validation").orElse("no validation") + " and "
                + data.test().count() + " test images of " + data.height() + " x " + data.width();
    }
}
