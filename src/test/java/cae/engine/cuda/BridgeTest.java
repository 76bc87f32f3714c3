package cae.engine.cuda;

import jcuda.JCudaVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridges the build made (classpath resources cae/bridge/), checked without a GPU against fake
 * libcudnn.so.9 / libcublas.so.13 built here: exports equal the JCuda natives' imports under the old
 * version node and SONAME; in a separate process every export resolves, calls reach the fake (also
 * in a cuDNN sub-library), and a function the fake lacks returns the old "not supported" status; and
 * in a fresh JVM, JCudnn and JCublas2 load through the bridges and their Java calls reach the fakes.
 */
class BridgeTest {
    private static final Path SOURCES = Path.of("src/main/native/bridge/test");
    private static Path dir;

    private record Native(String bridge, String jcudaResource, String oldName) {}

    private static final Native CUDNN = new Native(NativeLoader.BRIDGE_CUDNN,
            "/lib/libJCudnn-" + NativeLoader.JCUDNN_NATIVE_VERSION + "-linux-x86_64.so", "libcudnn.so.8");
    private static final Native CUBLAS = new Native(NativeLoader.BRIDGE_CUBLAS,
            "/lib/libJCublas2-" + JCudaVersion.get() + "-linux-x86_64.so", "libcublas.so.12");

    @BeforeAll
    static void buildFakes(@TempDir Path temp) throws Exception {
        assumeTrue(onPath("gcc") && onPath("nm") && onPath("objdump"), "gcc, nm and objdump are needed for the bridge tests");
        assumeTrue(BridgeTest.class.getResource("/" + NativeLoader.BRIDGE_CUDNN) != null,
                "the build made no bridges (no gcc when Maven ran src/main/native/bridge/build.sh)");
        dir = temp;
        fakeLibrary("libcudnn.so.9", "fake_cudnn.c");
        fakeLibrary("libcudnn_ops.so.9", "fake_cudnn_ops.c");
        fakeLibrary("libcublas.so.13", "fake_cublas.c");
        run(List.of("gcc", "-O1", "-o", dir.resolve("bridge_check").toString(), SOURCES.resolve("bridge_check.c").toString(), "-ldl"), Map.of());
    }

    /** A fake with the new SONAME and version node, like the real library. */
    private static void fakeLibrary(String soname, String source) throws Exception {
        Path map = dir.resolve(soname + ".map");
        Files.writeString(map, soname + " { global: *; };\n");
        run(List.of("gcc", "-shared", "-fPIC", "-o", dir.resolve(soname).toString(), SOURCES.resolve(source).toString(),
                "-Wl,-soname," + soname, "-Wl,--version-script=" + map), Map.of());
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    private static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("CAE_") || k.startsWith("GPU_") || k.equals("LD_LIBRARY_PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command.get(0) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    private static Path bridgeFile(Native n) throws URISyntaxException {
        URL url = BridgeTest.class.getResource("/" + n.bridge);
        assertNotNull(url, n.bridge + " is not on the classpath");
        return Path.of(url.toURI());
    }

    /** The symbols the JCuda native imports from the old library, from its copy in the natives jar. */
    private static TreeSet<String> imports(Native n) throws Exception {
        Path so = dir.resolve(Path.of(n.jcudaResource).getFileName());
        if (!Files.exists(so)) {
            try (InputStream in = BridgeTest.class.getResourceAsStream(n.jcudaResource)) {
                assertNotNull(in, n.jcudaResource + " is not on the classpath");
                Files.copy(in, so);
            }
        }
        return versioned(run(List.of("nm", "-D", "--undefined-only", so.toString()), Map.of()), "@" + n.oldName);
    }

    private static TreeSet<String> versioned(String nmOutput, String suffix) {
        TreeSet<String> names = new TreeSet<>();
        for (String line : nmOutput.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            String symbol = parts[parts.length - 1];
            if (symbol.endsWith(suffix)) names.add(symbol.substring(0, symbol.length() - suffix.length()));
        }
        return names;
    }

    private void exportsEqualImports(Native n) throws Exception {
        Path bridge = bridgeFile(n);
        TreeSet<String> imports = imports(n);
        assertTrue(imports.size() > 100, "suspiciously few imports: " + imports.size());
        String defined = run(List.of("nm", "-D", "--defined-only", bridge.toString()), Map.of());
        TreeSet<String> exports = versioned(defined, "@@" + n.oldName);
        assertEquals(imports, exports, "the bridge must export exactly what the JCuda native imports");
        List<String> others = new ArrayList<>();
        for (String line : defined.split("\n")) {
            String symbol = line.trim().split("\\s+")[line.trim().split("\\s+").length - 1];
            if (!symbol.endsWith("@@" + n.oldName) && !symbol.equals(n.oldName)) others.add(symbol);
        }
        assertEquals(List.of(), others, "the bridge exports nothing else");
        String headers = run(List.of("objdump", "-p", bridge.toString()), Map.of());
        assertTrue(headers.matches("(?s).*SONAME\\s+" + n.oldName.replace(".", "\\.") + "\\s.*"), headers);
        for (String line : headers.split("\n"))
            if (line.trim().matches("0x\\S+ 0x\\S+ \\d+ GLIBC_.*"))
                assertEquals("GLIBC_2.2.5", line.trim().split("\\s+")[3], "the bridge needs no newer glibc: " + line);
    }

    private String check(String which, Native n, Map<String, String> env) throws Exception {
        Path symbols = dir.resolve(which + ".symbols");
        Files.write(symbols, imports(n));
        return run(List.of(dir.resolve("bridge_check").toString(), which, bridgeFile(n).toString(), symbols.toString()), env);
    }

    @Test
    void cudnnBridgeExportsEqualImports() throws Exception { exportsEqualImports(CUDNN); }

    @Test
    void cublasBridgeExportsEqualImports() throws Exception { exportsEqualImports(CUBLAS); }

    @Test
    void cudnnBridgeReachesTheTargetNamedByFile() throws Exception {
        String out = check("cudnn", CUDNN, Map.of("CAE_CUDNN_LIB", dir.resolve("libcudnn.so.9").toString()));
        assertTrue(out.startsWith("OK "), out);
    }

    @Test
    void cudnnBridgeFindsTheTargetBySoname() throws Exception {
        String out = check("cudnn", CUDNN, Map.of("LD_LIBRARY_PATH", dir.toString()));
        assertTrue(out.startsWith("OK "), out);
    }

    @Test
    void cublasBridgeReachesTheTargetNamedByDirectory() throws Exception {
        String out = check("cublas", CUBLAS, Map.of("GPU_CUBLAS_LIB", dir.toString()));
        assertTrue(out.startsWith("OK "), out);
    }

    @Test
    void jcudnnAndJcublasLoadThroughTheBridgesInAFreshJvm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String out = run(List.of(java, "-cp", System.getProperty("java.class.path"), BridgeJniMain.class.getName(), dir.toString()), Map.of());
        assertTrue(out.contains("cudnn error: null"), out);
        assertTrue(out.contains("cudnn route: bridge libcudnn.so.8 -> libcudnn.so.9"), out);
        assertTrue(out.contains("cudnnGetVersion: 90000"), out);
        assertTrue(out.contains("cudnnCreate: 0"), out);
        assertTrue(out.contains("cudnnDestroy: 9"), out);
        assertTrue(out.contains("cublas error: null"), out);
        assertTrue(out.contains("cublasCreate: 0"), out);
        assertTrue(out.contains("cublasGetVersion: 0 130000"), out);
    }
}
