package cae.cli;

import java.io.PrintStream;
import cae.engine.cpu.CpuEngine;
import cae.engine.select.CudaAvailability;
import cae.model.Architecture;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        description = "Prints the Java runtime, the CPU engine's settings, and what the CUDA engine found: driver, GPU, libraries, kernels and which path each op takes.")
final class InfoCommand implements Callable<Integer> {
    private final PrintStream out, err;

    InfoCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @Override public Integer call() {
        out.println("model:   " + Architecture.RECIPE);
        out.println("java:    " + System.getProperty("java.vm.name") + " " + Runtime.version());
        out.println("cpu:     " + Runtime.getRuntime().availableProcessors() + " cores, vector species "
                + CpuEngine.vectorShape());
        out.println(CudaAvailability.report());
        return 0;
    }
}
