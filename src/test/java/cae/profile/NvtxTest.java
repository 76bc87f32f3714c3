package cae.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Without a usable NVTX library, --nvtx does nothing and says why in one line with -v, and nothing without it. */
class NvtxTest {

    private static String opened(Path library, boolean verbose, Ranges[] result) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        result[0] = Nvtx.open(library, new PrintStream(bytes, true, StandardCharsets.UTF_8), verbose);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noLibraryMeansNoRangesAndOneVerboseLine() {
        Ranges[] ranges = new Ranges[1];
        assertEquals("nvtx: no NVTX library found (libnvtx3interop.so.1 or libnvToolsExt.so.1; CAE_NVTX_LIB names one); "
                + "--nvtx ranges are off\n", opened(null, true, ranges));
        assertSame(Ranges.NONE, ranges[0]);
        assertEquals("", opened(null, false, ranges));
        assertSame(Ranges.NONE, ranges[0]);
    }

    @Test
    void aFileThatIsNotNvtxMeansNoRanges(@TempDir Path tmp) throws Exception {
        assumeTrue(Nvtx.class.getResource("/" + Nvtx.SHIM) != null, "the build made no NVTX shim (no gcc)");
        Path notALibrary = Files.writeString(tmp.resolve("libnvtx3interop.so.1"), "not a shared library");
        Ranges[] ranges = new Ranges[1];
        String line = opened(notALibrary, true, ranges);
        assertTrue(line.startsWith("nvtx: cannot use " + notALibrary + ": "), line);
        assertTrue(line.endsWith("; --nvtx ranges are off\n") && line.indexOf('\n') == line.length() - 1, line);
        assertSame(Ranges.NONE, ranges[0]);
    }
}
