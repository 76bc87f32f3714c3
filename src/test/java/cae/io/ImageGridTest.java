package cae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ImageGridTest {
    @TempDir Path dir;

    private static List<float[]> randomImages(Random random, int count) {
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] image = new float[28 * 28];
            for (int p = 0; p < image.length; p++) image[p] = random.nextFloat();
            images.add(image);
        }
        return images;
    }

    @Test
    void placesScaledImagesBetweenWhiteGaps() throws IOException {
        Random random = new Random(3);
        List<List<float[]>> rows = List.of(randomImages(random, 4), randomImages(random, 4), randomImages(random, 4));
        ImageGrid grid = new ImageGrid(28, 28).scale(3);
        for (List<float[]> row : rows) grid.row(null, row);
        Path file = dir.resolve("reconstructions.png");
        grid.write(file);

        BufferedImage png = ImageIO.read(file.toFile());
        int gap = 6, cell = 84;
        assertEquals(gap + 4 * (cell + gap), png.getWidth());
        assertEquals(gap + 3 * (cell + gap), png.getHeight());
        Raster raster = png.getRaster();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                float[] image = rows.get(r).get(c);
                int left = gap + c * (cell + gap), top = gap + r * (cell + gap);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int expected = GreyImages.toByte(image[y * 28 + x]);
                        assertEquals(expected, raster.getSample(left + 3 * x, top + 3 * y, 0));
                        assertEquals(expected, raster.getSample(left + 3 * x + 2, top + 3 * y + 2, 0));
                    }
                }
                assertEquals(255, raster.getSample(left - 1, top + 40, 0), "gap left of each image");
                assertEquals(255, raster.getSample(left + 40, top - 1, 0), "gap above each image");
            }
        }
    }

    @Test
    void rowLabelsWidenTheGridAndAreDrawn() throws IOException {
        Random random = new Random(4);
        float[] black = new float[28 * 28];
        ImageGrid plain = new ImageGrid(28, 28).scale(3).row(null, List.of(black, black));
        ImageGrid labelled = new ImageGrid(28, 28).scale(3)
                .row("clean", randomImages(random, 2)).row("noisy", randomImages(random, 2)).row("denoised", randomImages(random, 2));
        Path file = dir.resolve("labelled.png");
        labelled.write(file);

        BufferedImage png = ImageIO.read(file.toFile());
        int labelWidth = png.getWidth() - plain.render().getWidth();
        assertTrue(labelWidth > 20, "room for the labels: " + labelWidth);
        assertEquals(6 + 3 * 90, png.getHeight());
        int dark = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < labelWidth; x++) if (png.getRaster().getSample(x, y, 0) < 128) dark++;
        }
        assertTrue(dark > 50, "label text drawn, " + dark + " dark pixels");
    }

    @Test
    void rejectsImagesOfTheWrongSize() {
        ImageGrid grid = new ImageGrid(28, 28);
        assertThrows(IllegalArgumentException.class, () -> grid.row("clean", List.of(new float[27 * 28])));
    }
}
