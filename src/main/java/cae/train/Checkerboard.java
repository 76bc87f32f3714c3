package cae.train;

/**
 * The checkerboard score of an image (docs/SPEC.md §3.6): the share of its non-DC spectral energy that sits at the
 * period-2 frequencies, the vertical, horizontal and diagonal Nyquist bins (Odena, Dumoulin and Olah,
 * "Deconvolution and Checkerboard Artifacts", Distill 2016). Those three DFT bins need no FFT:
 * X(H/2, 0) = sum x (-1)^r, X(0, W/2) = sum x (-1)^c, X(H/2, W/2) = sum x (-1)^(r+c); by Parseval the
 * total non-DC energy is H W sum x^2 - (sum x)^2. An axis of odd length has no Nyquist bin and adds
 * nothing. A flat image scores 0; a pure +-1 checkerboard scores 1.
 */
public final class Checkerboard {
    private Checkerboard() {}

    /** The score of the image at {@code offset} (height x width, row-major). */
    public static double score(float[] pixels, int offset, int height, int width) {
        double sum = 0, sumSquares = 0, rows = 0, cols = 0, diagonal = 0;
        for (int r = 0; r < height; r++) {
            int rowSign = (r & 1) == 0 ? 1 : -1;
            for (int c = 0; c < width; c++) {
                double v = pixels[offset + r * width + c];
                int colSign = (c & 1) == 0 ? 1 : -1;
                sum += v;
                sumSquares += v * v;
                rows += rowSign * v;
                cols += colSign * v;
                diagonal += rowSign * colSign * v;
            }
        }
        double nyquist = 0;
        if (height % 2 == 0) nyquist += rows * rows;
        if (width % 2 == 0) nyquist += cols * cols;
        if (height % 2 == 0 && width % 2 == 0) nyquist += diagonal * diagonal;
        double nonDc = (double) height * width * sumSquares - sum * sum;
        return nonDc <= 1e-12 * Math.max(1, (double) height * width * sumSquares) ? 0 : nyquist / nonDc;
    }
}
