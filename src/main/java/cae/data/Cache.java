package cae.data;

import java.nio.file.Path;

/**
 * Where fetched data and decoded stores live. Without {@code $CAE_DATA}: {@code ~/.cache/cae/mnist},
 * {@code ~/.cache/cae/photos} and {@code ~/.cache/cae/stores}. With it, MNIST is in {@code $CAE_DATA}
 * itself (as it always was) and the photographs and stores in its {@code photos} and {@code stores}
 * subfolders, so that one variable moves all of the data off the home folder.
 */
public final class Cache {
    private Cache() {}

    private static Path fromEnvironment() {
        String fromEnv = System.getenv("CAE_DATA");
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : null;
    }

    private static Path home() {
        return Path.of(System.getProperty("user.home"), ".cache", "cae");
    }

    /** MNIST's folder: $CAE_DATA if set, else ~/.cache/cae/mnist. */
    public static Path mnist() {
        Path env = fromEnvironment();
        return env != null ? env : home().resolve("mnist");
    }

    /** The fetched photographs: $CAE_DATA/photos if set, else ~/.cache/cae/photos. */
    public static Path photos() {
        Path env = fromEnvironment();
        return (env != null ? env : home()).resolve("photos");
    }

    /** The decoded 8-bit stores of image folders: $CAE_DATA/stores if set, else ~/.cache/cae/stores. */
    public static Path stores() {
        Path env = fromEnvironment();
        return (env != null ? env : home()).resolve("stores");
    }
}
