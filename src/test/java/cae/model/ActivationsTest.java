package cae.model;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ActivationsTest {

    /** release gives back every tensor the activations made, each once (an engine wrapper records the calls). */
    @ParameterizedTest(name = "{0}, training {1}")
    @CsvSource({"NEAREST, false", "NEAREST, true", "TRANSPOSED, true", "UNPOOL, false"})
    void releaseGivesBackEveryTensorOnce(Decoder decoder, boolean training) {
        try (CpuEngine cpu = new CpuEngine(1)) {
            List<Tensor> made = new ArrayList<>(), released = new ArrayList<>();
            Engine recording = (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("release")) {
                            released.add((Tensor) args[0]);
                            return null;
                        }
                        Object result = method.invoke(cpu, args);
                        if (method.getName().equals("zeros")) made.add((Tensor) result);
                        return result;
                    });
            Activations a = new Activations(recording, Architecture.of(decoder), 2, 28, 28, training);
            a.release();
            Set<Tensor> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(released);
            assertEquals(released.size(), distinct.size(), "a tensor released twice");
            Set<Tensor> expected = Collections.newSetFromMap(new IdentityHashMap<>());
            expected.addAll(made);
            assertEquals(expected, distinct);
        }
    }
}
