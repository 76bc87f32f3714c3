package cae.engine.cpu;

import cae.engine.ImageSet;
import cae.engine.Pixels;

/** Images the CPU engine reads where they lie: the host's byte buffers (arrays or mapped files). */
final class CpuImageSet extends ImageSet {
    final Pixels pixels;

    CpuImageSet(Pixels pixels) {
        super(pixels);
        this.pixels = pixels;
    }
}
