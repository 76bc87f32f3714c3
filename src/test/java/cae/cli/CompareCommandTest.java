package cae.cli;

import cae.data.MnistFetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** `compare` on real MNIST, kept small: every variant trains 10 steps, then the table, CSV and picture are checked. */
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
}
