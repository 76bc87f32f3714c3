package cae.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small IDX data sets of random images for the API's tests. */
final class TinyData {
    private TinyData() {}

    /** A folder with {@code train} training and {@code test} test images of h x w random pixels. */
    static Path write(Path folder, int train, int test, int h, int w) throws IOException {
        Files.createDirectories(folder);
        images(folder.resolve("train-images-idx3-ubyte"), train, h, w, 1);
        images(folder.resolve("t10k-images-idx3-ubyte"), test, h, w, 2);
        return folder;
    }

    private static void images(Path file, int count, int h, int w, long seed) throws IOException {
        Files.write(file, idx(count, h, w, seed));
    }

    /** An IDX image file's bytes: {@code count} images of h x w random pixels from {@code seed}. */
    static byte[] idx(int count, int h, int w, long seed) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * h * w);
        b.putInt(0x00000803).putInt(count).putInt(h).putInt(w);
        Random random = new Random(seed);
        for (int i = 0; i < count * h * w; i++) b.put((byte) random.nextInt(256));
        return b.array();
    }
}
