package cae.data;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SplitTest {
    @Test
    void theTextIsParsedAndValidated() {
        assertEquals(new Split(0.8, 0.1, 0.1), Split.parse("0.8,0.1,0.1"));
        assertEquals(new Split(0.7, 0.3, 0), Split.parse(" 0.7 , 0.3 ,0"));
        assertEquals("0.8,0.1,0.1", Split.DEFAULT.toString());
        assertEquals(Split.DEFAULT, Split.parse(Split.DEFAULT.toString()));
        String usage = "takes three fractions for train, validation and test that add up to 1, e.g. 0.8,0.1,0.1; got ";
        assertEquals(usage + "\"0.8,0.2\"", assertThrows(IllegalArgumentException.class, () -> Split.parse("0.8,0.2")).getMessage());
        assertEquals(usage + "\"a,b,c\"", assertThrows(IllegalArgumentException.class, () -> Split.parse("a,b,c")).getMessage());
        assertEquals(usage + "\"0.8,0.1,0.2\": the fractions must add up to 1",
                assertThrows(IllegalArgumentException.class, () -> Split.parse("0.8,0.1,0.2")).getMessage());
        assertEquals(usage + "\"0,0.5,0.5\": the train fraction must be above 0 and at most 1",
                assertThrows(IllegalArgumentException.class, () -> Split.parse("0,0.5,0.5")).getMessage());
        assertEquals(usage + "\"0.9,-0.1,0.2\": each fraction must be between 0 and 1",
                assertThrows(IllegalArgumentException.class, () -> Split.parse("0.9,-0.1,0.2")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Split.parse("NaN,0.5,0.5"));
        assertThrows(IllegalArgumentException.class, () -> Split.parse(null));
    }

    @Test
    void aPathDrawsTheFirstEightBytesOfItsSha256AsAFraction() throws Exception {
        String path = "holiday/IMG_0001.JPG";
        long bits = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8))).getLong();
        double expected = Long.compareUnsigned(bits, 0) == 0 ? 0 : (bits >>> 11) / Math.pow(2, 53);
        assertEquals(expected, Split.draw(path));
        double u = Split.draw(path);
        assertEquals(u < 0.8 ? Split.Part.TRAIN : u < 0.9 ? Split.Part.VALIDATION : Split.Part.TEST, Split.DEFAULT.partOf(path));
    }

    @Test
    void thePartsTakeTheirFractionsOfManyPaths() {
        Map<Split.Part, Integer> counts = new EnumMap<>(Split.Part.class);
        int n = 20_000;
        for (int i = 0; i < n; i++) counts.merge(Split.DEFAULT.partOf("photos/" + i + ".png"), 1, Integer::sum);
        assertEquals(0.8, counts.get(Split.Part.TRAIN) / (double) n, 0.01);
        assertEquals(0.1, counts.get(Split.Part.VALIDATION) / (double) n, 0.01);
        assertEquals(0.1, counts.get(Split.Part.TEST) / (double) n, 0.01);
    }

    @Test
    void aFilesPartDependsOnItsPathAloneSoAddingFilesMovesNone() {
        Map<String, Split.Part> before = new HashMap<>();
        for (int i = 0; i < 1000; i++) before.put("a/" + i + ".jpg", Split.DEFAULT.partOf("a/" + i + ".jpg"));
        for (int i = 1000; i < 3000; i++) Split.DEFAULT.partOf("a/" + i + ".jpg");
        before.forEach((path, part) -> assertEquals(part, Split.DEFAULT.partOf(path), path));
    }

    @Test
    void partsFromFoldersOfTheirOwnLeaveTheOthersScaled() {
        assertEquals(new Split(1, 0, 0), Split.DEFAULT.without(true, true));
        Split noTest = Split.DEFAULT.without(false, true);
        assertEquals(0.8 / 0.9, noTest.train(), 1e-12);
        assertEquals(0.1 / 0.9, noTest.validation(), 1e-12);
        assertEquals(0, noTest.test());
        for (int i = 0; i < 200; i++) assertNotEquals(Split.Part.TEST, noTest.partOf(i + ".png"));
    }
}
