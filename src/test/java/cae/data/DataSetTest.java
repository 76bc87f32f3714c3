package cae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static cae.data.IdxFiles.gzip;
import static cae.data.IdxFiles.images;
import static cae.data.IdxFiles.labels;
import static cae.data.IdxFiles.pixels;
import static cae.data.IdxFiles.sha256;
import static cae.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetTest {
    @TempDir Path dir;

    private static String failure(Path directory) {
        return assertThrows(DataException.class, () -> DataSet.load(directory)).getMessage();
    }

    @Test void splitsOffTheFirst5000TrainingImagesForValidation() throws IOException {
        int n = DataSet.VALIDATION_SIZE + 3;
        byte[] trainImages = images(n, 2, 3, 11);
        write(dir.resolve(DataSet.TRAIN_IMAGES + ".gz"), gzip(trainImages));
        write(dir.resolve(DataSet.TRAIN_LABELS), labels(n));
        write(dir.resolve(DataSet.TEST_IMAGES), images(4, 2, 3, 99));
        write(dir.resolve(DataSet.TEST_LABELS + ".gz"), gzip(labels(4)));

        DataSet data = DataSet.load(dir);
        byte[] all = pixels(n, 2, 3, 11);
        Images validation = data.validation().orElseThrow();
        assertEquals(DataSet.VALIDATION_SIZE, validation.count());
        assertArrayEquals(Arrays.copyOfRange(all, 0, DataSet.VALIDATION_SIZE * 6), validation.pixels());
        assertEquals(3, data.train().count());
        assertArrayEquals(Arrays.copyOfRange(all, DataSet.VALIDATION_SIZE * 6, n * 6), data.train().pixels());
        assertArrayEquals(new byte[] {0, 1, 2}, data.train().labels(), "labels 5000..5002 are 5000 % 10 ...");
        assertEquals(4, data.test().count());
        assertArrayEquals(pixels(4, 2, 3, 99), data.test().pixels());
        assertEquals(2, data.height());
        assertEquals(3, data.width());

        assertEquals(List.of(DataSet.TRAIN_IMAGES, DataSet.TRAIN_LABELS, DataSet.TEST_IMAGES, DataSet.TEST_LABELS),
                List.copyOf(data.sha256().keySet()));
        assertEquals(sha256(trainImages), data.sha256().get(DataSet.TRAIN_IMAGES), "hash of the uncompressed content");
        assertEquals(dir.resolve(DataSet.TRAIN_IMAGES + ".gz"), data.files().get(0));
        assertFalse(data.isMnist());
    }

    @Test void smallDataSetHasNoValidationAndLabelsAreOptional() throws IOException {
        write(dir.resolve(DataSet.TRAIN_IMAGES), images(DataSet.VALIDATION_SIZE, 1, 2, 0));
        write(dir.resolve(DataSet.TEST_IMAGES), images(2, 1, 2, 0));

        DataSet data = DataSet.load(dir);
        assertTrue(data.validation().isEmpty());
        assertEquals(DataSet.VALIDATION_SIZE, data.train().count());
        assertNull(data.train().labels());
        assertNull(data.test().labels());
        assertEquals(List.of(DataSet.TRAIN_IMAGES, DataSet.TEST_IMAGES), List.copyOf(data.sha256().keySet()));
    }

    @Test void rawFileWinsOverItsGzip() throws IOException {
        write(dir.resolve(DataSet.TRAIN_IMAGES), images(2, 2, 2, 5));
        write(dir.resolve(DataSet.TRAIN_IMAGES + ".gz"), gzip(images(3, 2, 2, 5)));
        write(dir.resolve(DataSet.TEST_IMAGES), images(1, 2, 2, 5));
        DataSet data = DataSet.load(dir);
        assertEquals(2, data.train().count());
        assertEquals(dir.resolve(DataSet.TRAIN_IMAGES), data.files().get(0));
    }

    @Test void imageAndLabelCountsMustMatch() throws IOException {
        Path images = write(dir.resolve(DataSet.TRAIN_IMAGES), images(6, 2, 2, 0));
        Path labels = write(dir.resolve(DataSet.TRAIN_LABELS), labels(5));
        write(dir.resolve(DataSet.TEST_IMAGES), images(1, 2, 2, 0));
        assertEquals(images + " has 6 images but " + labels + " has 5 labels; the counts must match.", failure(dir));
    }

    @Test void trainAndTestImagesMustHaveOneSize() throws IOException {
        Path train = write(dir.resolve(DataSet.TRAIN_IMAGES), images(2, 28, 28, 0));
        Path test = write(dir.resolve(DataSet.TEST_IMAGES), images(2, 32, 28, 0));
        assertEquals(train + " holds 28 x 28 images but " + test + " holds 32 x 28 images; "
                + "train and test images must be the same size.", failure(dir));
    }

    @Test void requiresBothImageFiles() throws IOException {
        write(dir.resolve(DataSet.TRAIN_IMAGES), images(2, 2, 2, 0));
        assertEquals(dir + ": no t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz) in this directory.", failure(dir));
    }

    @Test void aBadFileInsideIsReportedByName() throws IOException {
        Path train = write(dir.resolve(DataSet.TRAIN_IMAGES), labels(3));
        write(dir.resolve(DataSet.TEST_IMAGES), images(1, 2, 2, 0));
        assertTrue(failure(dir).startsWith(train + ": wrong magic number 0x00000801"));
    }

    @Test void missingDirectoryAndNotADirectory() throws IOException {
        Path missing = dir.resolve("no-such-dir");
        assertEquals(missing + ": data directory not found.", failure(missing));
        Path file = write(dir.resolve("a-file"), new byte[] {1});
        assertEquals(file + ": not a directory, expected a directory of IDX files.", failure(file));
    }

    @Test void loadTestNeedsOnlyTheTestFilesAndChecksThem() throws IOException {
        write(dir.resolve(DataSet.TEST_IMAGES + ".gz"), gzip(images(4, 2, 3, 5)));
        Images test = DataSet.loadTest(dir);
        assertEquals(4, test.count());
        assertArrayEquals(pixels(4, 2, 3, 5), test.pixels());
        assertFalse(test.hasLabels());

        write(dir.resolve(DataSet.TEST_LABELS), labels(3));
        String mismatch = assertThrows(DataException.class, () -> DataSet.loadTest(dir)).getMessage();
        assertTrue(mismatch.contains("has 4 images but") && mismatch.contains("3 labels"), mismatch);

        Path onlyTrain = java.nio.file.Files.createDirectories(dir.resolve("only-train"));
        write(onlyTrain.resolve(DataSet.TRAIN_IMAGES), images(4, 2, 3, 5));
        String missing = assertThrows(DataException.class, () -> DataSet.loadTest(onlyTrain)).getMessage();
        assertEquals(onlyTrain + ": no " + DataSet.TEST_IMAGES + " (or " + DataSet.TEST_IMAGES + ".gz) in this directory.", missing);
    }
}
