package cae.io;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Path;

/** What the image writers share: headless AWT and atomic PNG output. */
final class Awt {
    private Awt() {}

    /**
     * Charts and labels are drawn off-screen, so AWT never needs a display; saying so before AWT
     * starts keeps it from looking for one. Has no effect if AWT is already running.
     */
    static void useHeadlessUnlessSet() {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    static void writePng(Path file, RenderedImage image) throws IOException {
        AtomicFiles.write(file, out -> {
            // An in-memory cache, so ImageIO does not put its own temporary file next to ours.
            ImageOutputStream stream = new MemoryCacheImageOutputStream(out);
            try {
                if (!ImageIO.write(image, "png", stream)) throw new IOException("this Java runtime has no PNG writer");
                stream.close(); // flushes into out, leaves out open
            } catch (IOException e) {
                OutputException named = OutputException.within(e);  // ImageIO may wrap the failed write
                throw named != null ? named : e;
            }
        });
    }
}
