package cae.engine.cpu;

import cae.engine.ImageSet;

final class CpuImageSet extends ImageSet {
    final byte[] pixels;

    CpuImageSet(byte[] pixels, int count, int height, int width) {
        super(count, height, width);
        this.pixels = pixels;
    }
}
