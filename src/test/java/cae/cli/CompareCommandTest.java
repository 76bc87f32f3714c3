package cae.cli;

import cae.data.MnistFetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cae.io.SafeTensors;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `compare` on real MNIST, kept small (every variant trains 10 steps, then the table, CSV and picture
 * are checked), on a small folder of colour photos with the photo model options, and the refusal of a
 * variant that the model options do not fit.
 */
class CompareCommandTest {

    @Test
    void comparesEveryDecoderAndSeesTheTransposedCheckerboardAtInitialisation(@TempDir Path tmp) throws Exception {
        MnistFetcher.ensure(MnistFetcher.defaultCacheDir(), System.err);
        CommandLineTest.Result r = CommandLineTest.run("compare", "--device", "cpu", "--epochs", "1", "--limit", "200",
                "--batch", "20", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("compare.md", "compare.csv", "compare.png"))
            assertTrue(Files.size(tmp.resolve(f)) > 0, f);
        for (String d : List.of("nearest", "bilinear", "transposed", "unpool"))
            assertTrue(Files.exists(tmp.resolve(d).resolve("model.safetensors")), d);

        List<String> csv = Files.readAllLines(tmp.resolve("compare.csv"));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertEquals("decoder,parameters,test_loss,psnr_noisy_db,psnr_denoised_db,checkerboard_untrained_grey,checkerboard_trained_grey,"
                + "checkerboard_trained_test,checkerboard_clean_test,train_images_per_s,below_noisy", csv.get(0), "IDX data: the columns as before photos");
        String markdown = Files.readString(tmp.resolve("compare.md"));
        assertTrue(markdown.startsWith("1 epoch, batch 20, seed 1, 200 training images, noise 0.50; test set: 10000 images.\n\n"
                + "| decoder | parameters | test loss | PSNR noisy (dB) | PSNR denoised (dB) | checkerboard, untrained, grey input |"), markdown);
        assertFalse(markdown.contains("whole PSNR") || markdown.contains("test images whole"), markdown);
        assertEquals(1, ImageIO.read(tmp.resolve("compare.png").toFile()).getRaster().getNumBands(), "grey picture");
        String[] nearest = csv.get(1).split(","), transposed = csv.get(3).split(","), unpool = csv.get(4).split(",");
        assertEquals("nearest", nearest[0]);
        assertEquals("30689", nearest[1]);
        assertEquals("30689", transposed[1]);
        assertEquals("37617", unpool[1], "unpooling keeps the encoder's channel counts: conv4 16->32, conv5 32->32");
        double nearestUntrained = Double.parseDouble(nearest[5]), transposedUntrained = Double.parseDouble(transposed[5]);
        assertTrue(transposedUntrained > 5 * nearestUntrained,
                "a stride-2 3x3 transposed convolution leaves a checkerboard before training: " + transposedUntrained + " vs " + nearestUntrained);
        assertTrue(r.out().contains("| decoder | parameters |"), r.out());
    }

    @Test
    void comparesTwoDecodersOnAColourPhotoFolderWithThePhotoModelOptions(@TempDir Path tmp) throws Exception {
        Path data = PhotoTrainingTest.photos(tmp.resolve("photos"), 12, 7), out = tmp.resolve("cmp");
        CommandLineTest.Result r = CommandLineTest.run("compare", "--device", "cpu", "--data", data.toString(), "--split", "0.75,0,0.25",
                "--patch", "16", "--crops", "4", "--batch", "8", "--widths", "8,8", "--skips", "--residual", "--decoders", "nearest,bilinear",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        for (String d : List.of("nearest", "bilinear")) {
            java.util.Map<String, String> model = SafeTensors.read(out.resolve(d).resolve("model.safetensors")).metadata();
            assertEquals(d, model.get("decoder"));
            assertEquals("3", model.get("channels"));
            assertEquals("8,8", model.get("widths"));
            assertEquals("true", model.get("skips"));
            assertEquals("true", model.get("residual"));
            assertEquals("0.1", model.get("noise"), "photos' default noise (Gaussian, as train's)");
        }

        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        assertEquals(3, csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        assertEquals(List.of("below_noisy", "whole_psnr_noisy_db", "whole_psnr_denoised_db", "whole_psnr_blur_db", "whole_ssim_noisy",
                "whole_ssim_denoised", "whole_ssim_blur", "whole_blur_sigma"), header.subList(10, header.size()));
        String[] nearest = csv.get(1).split(",", -1), bilinear = csv.get(2).split(",", -1);
        assertEquals("nearest", nearest[0]);
        assertEquals("bilinear", bilinear[0]);
        assertEquals("", nearest[5], "a colour model takes no grey image: " + csv.get(1));
        for (String[] row : List.of(nearest, bilinear)) {
            assertEquals(header.size(), row.length, String.join(",", row));
            double denoised = Double.parseDouble(row[12]), ssim = Double.parseDouble(row[15]);
            assertTrue(denoised > 5 && denoised < 60, "whole-image PSNR " + denoised);
            assertTrue(ssim > 0 && ssim <= 1, "whole-image SSIM " + ssim);
        }
        for (int column : new int[] {11, 13, 14, 16, 17})  // the noisy inputs and the blur baseline are the same for every variant
            assertEquals(nearest[column], bilinear[column], header.get(column));

        String markdown = Files.readString(out.resolve("compare.md"));
        assertTrue(markdown.contains("noise 0.10, model: widths 8,8, skips, residual, mse loss; data: "), markdown);
        assertTrue(markdown.matches("(?s).*test set: \\d+ images, scored on a 16 x 16 crop of each\\..*"), markdown);
        assertTrue(markdown.contains("| whole PSNR denoised (dB) | whole SSIM denoised |"), markdown);
        assertTrue(markdown.contains(" test images whole (the same noisy inputs for every variant): noisy PSNR "), markdown);
        assertTrue(markdown.lines().anyMatch(l -> l.startsWith("| nearest |") && l.contains("| n/a | n/a |")), markdown);

        BufferedImage picture = ImageIO.read(out.resolve("compare.png").toFile());
        assertEquals(3, picture.getRaster().getNumBands(), "colour data, a colour picture");
        BufferedImage nearestPicture = ImageIO.read(out.resolve("nearest").resolve("reconstructions.png").toFile());
        assertTrue(picture.getHeight() > nearestPicture.getHeight(), "clean, noisy and two variants' rows against three rows of 16 x 16 crops");

        // the same folder as grey: the grey-input columns and the constant grey image's outputs come back
        Path grey = tmp.resolve("grey");
        CommandLineTest.Result g = CommandLineTest.run("compare", "--device", "cpu", "--data", data.toString(), "--split", "0.75,0,0.25",
                "--patch", "16", "--batch", "4", "--color", "grey", "--widths", "8,8", "--decoders", "nearest", "--out", grey.toString());
        assertEquals(0, g.code(), g.err() + g.out());
        String[] greyRow = Files.readAllLines(grey.resolve("compare.csv")).get(1).split(",", -1);
        assertTrue(Double.parseDouble(greyRow[5]) >= 0, String.join(",", greyRow));
        BufferedImage greyPicture = ImageIO.read(grey.resolve("compare.png").toFile());
        assertEquals(1, greyPicture.getRaster().getNumBands());
        assertTrue(greyPicture.getWidth() > picture.getWidth(), "two more columns: the constant grey image's outputs");
    }

    @Test
    void aVariantThatTheModelOptionsDoNotFitIsRefusedBeforeAnyTraining(@TempDir Path tmp) {
        Path out = tmp.resolve("cmp");
        CommandLineTest.Result r = CommandLineTest.run("compare", "--device", "cpu", "--skips", "--decoders", "nearest,unpool,bilinear",
                "--out", out.toString());
        assertEquals(Main.USAGE, r.code(), r.err());
        assertEquals("cae compare: the unpool variant: --skips does not fit the unpool decoder, whose stages have other channels than the "
                + "encoder's of their size; leave it out with --decoders nearest,bilinear", r.err().strip());
        assertFalse(Files.exists(out), "refused before the output folder is taken");

        CommandLineTest.Result every = CommandLineTest.run("compare", "--device", "cpu", "--skips", "--decoders", "unpool", "--out", out.toString());
        assertEquals(Main.USAGE, every.code(), every.err());
        assertTrue(every.err().strip().startsWith("cae compare: --skips does not fit the unpool decoder"), every.err());
    }
}
