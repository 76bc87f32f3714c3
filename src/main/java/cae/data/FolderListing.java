package cae.data;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The image files of a folder and its subfolders, by relative path ('/' between names) in sorted
 * order. Files named .png, .jpg, .jpeg, .bmp or .gif in any case are images; hidden files and
 * folders (names starting with '.') are skipped, and so are other files and links to folders; what was
 * skipped is counted.
 *
 * @param images  the images, sorted by relative path
 * @param hidden  hidden files and folders skipped (a folder counts once, whatever it holds)
 * @param other   other files skipped
 */
record FolderListing(Path folder, List<Entry> images, int hidden, int other) {
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** An image: its path relative to the folder, and the file. */
    record Entry(String relative, Path file) {}

    /** Lists {@code folder}; throws {@link DataException} naming the folder or subfolder that cannot be read. */
    static FolderListing of(Path folder, String role) {
        if (!Files.exists(folder)) throw new DataException(folder + ": " + role + " folder not found.");
        if (!Files.isDirectory(folder)) throw new DataException(folder + ": not a folder, expected a folder of images (or of IDX files).");
        List<Entry> images = new ArrayList<>();
        int[] hidden = {0}, other = {0};
        try {
            Files.walkFileTree(folder, new SimpleFileVisitor<>() {
                @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(folder) && isHidden(dir)) {
                        hidden[0]++;
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (isHidden(file)) hidden[0]++;
                    else if (isImageName(file) && Files.isRegularFile(file)) images.add(new Entry(relative(folder, file), file));
                    else other[0]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    throw e;
                }
            });
        } catch (AccessDeniedException e) {
            throw new DataException(e.getFile() + ": cannot be read (permission denied).", e);
        } catch (IOException e) {
            throw new DataException(folder + ": cannot be listed (" + MnistFetcher.reason(e) + ").", e);
        }
        images.sort(Comparator.comparing(Entry::relative));
        return new FolderListing(folder, List.copyOf(images), hidden[0], other[0]);
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    static boolean isImageName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The path of {@code file} under {@code folder}, names joined by '/' whatever the platform. */
    static String relative(Path folder, Path file) {
        StringBuilder s = new StringBuilder();
        for (Path name : folder.relativize(file)) {
            if (s.length() > 0) s.append('/');
            s.append(name);
        }
        return s.toString();
    }

    /** " (skipped 2 hidden files or folders and 3 other files (not PNG, JPEG, BMP or GIF))", or "" when nothing was skipped. */
    String skipped() {
        List<String> skipped = new ArrayList<>();
        if (hidden > 0) skipped.add(hidden + " hidden " + (hidden == 1 ? "file or folder" : "files or folders"));
        if (other > 0) skipped.add(other + " other " + (other == 1 ? "file" : "files") + ", not PNG, JPEG, BMP or GIF");
        return skipped.isEmpty() ? "" : " (skipped " + String.join(" and ", skipped) + ")";
    }

    /** "12 images (skipped 2 hidden files or folders and 3 other files, not PNG, JPEG, BMP or GIF)". */
    String describe() {
        return images.size() + (images.size() == 1 ? " image" : " images") + skipped();
    }
}
