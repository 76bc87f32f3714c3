package cae.engine;

import java.util.Locale;

/**
 * The corruption a denoiser learns to undo, on the [0, 1] pixel scale and always clipped to it
 * (docs/SPEC.md §3): Gaussian (clean + sigma N(0,1)), salt-and-pepper (each value, with probability
 * p, set to 0 or 1 with equal odds) and masking (each value, with probability p, set to 0), or none.
 * Every draw is a counter-based function of (seed, step, element index) ({@link Philox}), so a batch's
 * noise does not depend on the thread count or the device, and a resumed run draws what it would have.
 */
public record Noise(Kind kind, float strength) {
    public enum Kind {
        NONE("none"), GAUSSIAN("gaussian"), SALT_PEPPER("salt-pepper"), MASK("mask");

        final String id;

        Kind(String id) { this.id = id; }
    }

    public static final Noise NONE = new Noise(Kind.NONE, 0f);

    public Noise {
        if (kind == null) throw new IllegalArgumentException("noise kind must be given");
        if (!Float.isFinite(strength) || strength < 0)
            throw new IllegalArgumentException("noise strength must be zero or positive, got " + strength);
        if ((kind == Kind.SALT_PEPPER || kind == Kind.MASK) && strength > 1)
            throw new IllegalArgumentException(kind.id + " takes a probability from 0 to 1, got " + strength);
    }

    public static Noise gaussian(float sigma) { return new Noise(Kind.GAUSSIAN, sigma); }

    /**
     * "gaussian:SIGMA", "salt-pepper:P", "mask:P", "none", or a bare number meaning "gaussian:NUMBER"
     * (so an old model file's noise=0.5 reads as before).
     */
    public static Noise parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) return NONE;
        int colon = t.indexOf(':');
        String name = colon < 0 ? "gaussian" : t.substring(0, colon), value = colon < 0 ? t : t.substring(colon + 1);
        for (Kind k : Kind.values())
            if (k != Kind.NONE && k.id.equals(name)) {
                float strength;
                try {
                    strength = Float.parseFloat(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("noise '" + text + "': '" + value + "' is not a number");
                }
                return new Noise(k, strength);
            }
        throw new IllegalArgumentException("unknown noise '" + text + "' (expected gaussian:SIGMA, salt-pepper:P, mask:P, none, or a number)");
    }

    /** Whether a noisy copy is made at all. */
    public boolean any() { return kind != Kind.NONE; }

    /** The canonical text, which {@link #parse} reads back: "gaussian:0.5". */
    @Override public String toString() { return kind == Kind.NONE ? "none" : kind.id + ":" + strength; }

    /**
     * noisy[no + i] = {@link #apply}(clean[co + i], seed, step, first + i) for i in [0, n): the same
     * values, with the Gaussian's two elements of a Philox block drawn together ({@link
     * Philox#normalPair}). {@code words} is scratch of 4, {@code pair} of 2.
     */
    public void applyAll(float[] clean, int co, float[] noisy, int no, int n, long seed, long step, int first,
                         int[] words, float[] pair) {
        int i = 0;
        if (kind == Kind.GAUSSIAN) {
            if ((first & 1) != 0 && n > 0) {
                noisy[no] = apply(clean[co], seed, step, first, words);
                i = 1;
            }
            for (; i + 1 < n; i += 2) {
                Philox.normalPair(seed, step, first + i, words, pair);
                noisy[no + i] = clip(clean[co + i] + strength * pair[0]);
                noisy[no + i + 1] = clip(clean[co + i + 1] + strength * pair[1]);
            }
        }
        for (; i < n; i++) noisy[no + i] = apply(clean[co + i], seed, step, first + i, words);
    }

    private static float clip(float value) { return Math.min(Math.max(value, 0f), 1f); }

    /** The noisy value of {@code clean}, element {@code index} of the batch at {@code step}; {@code words} is scratch of 4. */
    public float apply(float clean, long seed, long step, int index, int[] words) {
        switch (kind) {
            case GAUSSIAN: return clip(clean + strength * Philox.normal(seed, step, index, words));
            case SALT_PEPPER:
                if (Philox.uniform(seed, step, index, words) >= strength) return clean;
                return words[(index & 1) * 2 + 1] < 0 ? 1f : 0f;   // the block's next word: its top bit, salt or pepper
            case MASK: return Philox.uniform(seed, step, index, words) < strength ? 0f : clean;
            default: return clean;
        }
    }
}
