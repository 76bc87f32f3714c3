package cae.cli;

import cae.engine.CudaAvailability;
import cae.model.Architecture;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Prints the Java runtime, the CPU engine's settings, and what the CUDA engine found: driver, GPU, libraries, kernels and which path each op takes.")
final class InfoCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.out.println("model:   " + Architecture.NAME + ", " + Architecture.parameterCount() + " parameters");
        System.out.println("java:    " + System.getProperty("java.vm.name") + " " + Runtime.version());
        System.out.println("cpu:     " + Runtime.getRuntime().availableProcessors() + " cores, vector species "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED);
        System.out.println(CudaAvailability.report());
        return 0;
    }
}
