package cae.data;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Which part of a folder each image belongs to, decided by its relative path alone, so that adding or
 * removing files never moves another file from one part to another: the first 8 bytes of the
 * SHA-256 of the path (UTF-8, '/' between names), as a fraction u in [0, 1), go to train when
 * u &lt; train, to validation when u &lt; train + validation, else to test.
 *
 * @param train      the fraction of a folder's images that trains
 * @param validation the fraction that chooses between epochs' models and tunes the baseline
 * @param test       the fraction held out for the final scores
 */
public record Split(double train, double validation, double test) {
    /** 80% train, 10% validation, 10% test. */
    public static final Split DEFAULT = new Split(0.8, 0.1, 0.1);

    /** The three parts, in the order the fractions are given. */
    public enum Part {
        TRAIN("train"), VALIDATION("validation"), TEST("test");

        private final String label;

        Part(String label) { this.label = label; }

        public String label() { return label; }
    }

    public Split {
        String why = problem(train, validation, test);
        if (why != null) throw new IllegalArgumentException(why);
    }

    /** Why these fractions make no split, or null when they do. */
    private static String problem(double train, double validation, double test) {
        if (!(train > 0 && train <= 1)) return "the train fraction must be above 0 and at most 1";
        if (!(validation >= 0 && validation <= 1) || !(test >= 0 && test <= 1)) return "each fraction must be between 0 and 1";
        if (Math.abs(train + validation + test - 1) > 1e-6) return "the fractions must add up to 1";
        return null;
    }

    /**
     * Reads "TRAIN,VALIDATION,TEST", e.g. "0.8,0.1,0.1". Throws {@link IllegalArgumentException} with a
     * one-line message for anything else, meant for the user after the option's name.
     */
    public static Split parse(String text) {
        String usage = "takes three fractions for train, validation and test that add up to 1, e.g. 0.8,0.1,0.1; got \"" + text + "\"";
        String[] fields = text == null ? new String[0] : text.split(",", -1);
        if (fields.length != 3) throw new IllegalArgumentException(usage);
        double[] f = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                f[i] = Double.parseDouble(fields[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(usage);
            }
        }
        String why = problem(f[0], f[1], f[2]);
        if (why != null) throw new IllegalArgumentException(usage + ": " + why);
        return new Split(f[0], f[1], f[2]);
    }

    /** The fraction in [0, 1) that a relative path draws: the first 8 bytes of its SHA-256, big-endian, over 2^64. */
    public static double draw(String relativePath) {
        byte[] digest = Sha256.newDigest().digest(relativePath.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(digest).getLong();
        return (bits >>> 11) * 0x1.0p-53;  // the top 53 bits: exact in a double, below 1
    }

    /** The part {@code relativePath} belongs to. */
    public Part partOf(String relativePath) {
        double u = draw(relativePath);
        return u < train ? Part.TRAIN : u < train + validation ? Part.VALIDATION : Part.TEST;
    }

    /**
     * This split over the parts that the folder still gives, when the others come from folders of their
     * own: the fractions of the parts it keeps, scaled to add up to 1 (train takes all when both others
     * come from elsewhere).
     */
    public Split without(boolean validationElsewhere, boolean testElsewhere) {
        double v = validationElsewhere ? 0 : validation, t = testElsewhere ? 0 : test, sum = train + v + t;
        return new Split(train / sum, v / sum, t / sum);
    }

    /** "0.8,0.1,0.1", as {@link #parse} reads it. */
    @Override public String toString() {
        return format(train) + "," + format(validation) + "," + format(test);
    }

    private static String format(double value) {
        String s = String.format(Locale.ROOT, "%.6f", value).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
