package cae.train;

import cae.engine.Engine;
import cae.engine.ImageSet;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;
import cae.model.Architecture;
import cae.model.Autoencoder;
import cae.model.Parameters;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Scoring gives back every tensor it made: on the GPU, validation runs every epoch. */
class EvaluationTest {
    /** The engine, recording the tensors made by zeros and not yet released. */
    private static Engine tracking(Engine engine, Set<Tensor> live) {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class}, (proxy, method, args) -> {
            try {
                Object result = method.invoke(engine, args);
                if (method.getName().equals("zeros")) live.add((Tensor) result);
                if (method.getName().equals("release")) live.remove((Tensor) args[0]);
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void scoringSamplingAndAConstantImageReleaseWhatTheyAllocate() {
        Set<Tensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
        try (CpuEngine cpu = new CpuEngine(2)) {
            Engine engine = tracking(cpu, live);
            Autoencoder model = new Autoencoder(engine, Architecture.RECIPE);
            model.setWeights(Parameters.glorotInit(model.arch, 1));
            int count = Evaluation.BATCH + 10, size = 12;  // a full batch and a tail
            ImageSet images = engine.upload(TrainerTest.syntheticImages(count, size, size, 4), count, size, size);
            Set<Tensor> before = Collections.newSetFromMap(new IdentityHashMap<>());
            before.addAll(live);
            Evaluation evaluation = new Evaluation(model, 0.5f);
            Evaluation.Result result = evaluation.score(images);
            assertEquals(count, result.images());
            assertEquals(7, evaluation.samples(images, 7).count());
            assertEquals(size * size, Evaluation.constantInputOutput(model, size, size, 0.5f).length);
            live.removeAll(before);
            assertEquals(Set.of(), live, "tensors made while evaluating and never released");
        }
    }
}
