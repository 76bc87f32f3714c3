package cae.engine.cpu;

import cae.engine.ImageSet;

final class CpuImageSet extends ImageSet {
    final byte[] pixels;

    CpuImageSet(byte[] pixels, int count, int height, int width) {
        super(count, height, width);
        if ((long) count * height * width != pixels.length)
            throw new IllegalArgumentException(pixels.length + " pixels for " + count + " images of " + height + "x" + width);
        this.pixels = pixels;
    }
}
