package cae.data;

import java.util.LinkedHashMap;
import java.util.Map;

/** The four MNIST files and the SHA-256 of their raw (uncompressed) content, as docs/SPEC.md §4.2 lists them. */
public final class Mnist {
    private Mnist() {}

    /** The side of an MNIST image: 28 x 28 pixels. */
    public static final int SIDE = 28;

    /** File name to SHA-256, in the order train images, train labels, test images, test labels. */
    public static final Map<String, String> SHA256;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DataSet.TRAIN_IMAGES, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
        m.put(DataSet.TRAIN_LABELS, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
        m.put(DataSet.TEST_IMAGES, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
        m.put(DataSet.TEST_LABELS, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");
        SHA256 = java.util.Collections.unmodifiableMap(m);
    }

    /** Whether {@code sha256} is MNIST's hash for the file called {@code fileName}. */
    public static boolean matches(String fileName, String sha256) {
        return sha256 != null && sha256.equals(SHA256.get(fileName));
    }
}
