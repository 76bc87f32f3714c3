package cae.engine.cpu;

import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * No method of the CPU engine takes or returns a vector, mask or shuffle. The JIT keeps a vector in
 * registers only within one compiled unit: one that crosses a call the JIT did not inline is boxed,
 * an object and an array per call, and whether a small helper is inlined depends on how large the
 * caller's unit has grown, which differs between machines and between runs (docs/cpu-performance.md
 * has the case that was seen). AllocationTest catches that only where it happens; this catches the
 * pattern everywhere.
 */
class VectorBoundariesTest {

    @Test
    void noMethodPassesVectorsAcrossACall() throws IOException, URISyntaxException, ClassNotFoundException {
        URL here = CpuEngine.class.getResource("CpuEngine.class");
        assertNotNull(here);
        assertEquals("file", here.getProtocol(), "the engine's classes must be a folder here, found " + here);
        Path folder = Path.of(here.toURI()).getParent();
        List<String> crossing = new ArrayList<>();
        int classes = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class")) continue;
                Class<?> type = Class.forName("cae.engine.cpu." + name.substring(0, name.length() - 6), false,
                        CpuEngine.class.getClassLoader());
                classes++;
                List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredMethods()));
                executables.addAll(List.of(type.getDeclaredConstructors()));
                for (Executable e : executables) {
                    boolean returnsVector = e instanceof java.lang.reflect.Method m && isVector(m.getReturnType());
                    boolean takesVector = Stream.of(e.getParameterTypes()).anyMatch(VectorBoundariesTest::isVector);
                    if (returnsVector || takesVector) crossing.add(type.getSimpleName() + "." + e.getName());
                }
            }
        }
        assertTrue(classes > 10, "found only " + classes + " classes in " + folder);
        assertEquals(List.of(), crossing, "methods that pass vectors across a call");
    }

    private static boolean isVector(Class<?> type) {
        return Vector.class.isAssignableFrom(type) || VectorMask.class.isAssignableFrom(type)
                || VectorShuffle.class.isAssignableFrom(type);
    }
}
