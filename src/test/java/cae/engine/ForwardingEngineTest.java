package cae.engine;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A decorator (timing, NVTX ranges, recording) must see every call: ForwardingEngine overrides every
 * Engine method, defaults included, so a method added to Engine with a default is not silently
 * answered by that default under a decorator.
 */
class ForwardingEngineTest {
    @Test
    void everyEngineMethodIsForwarded() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Method m : Engine.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            Method f = ForwardingEngine.class.getMethod(m.getName(), m.getParameterTypes());
            if (f.getDeclaringClass() != ForwardingEngine.class) missing.add(m.toString());
        }
        assertEquals(List.of(), missing, "Engine methods ForwardingEngine does not forward");
    }
}
