package cae.cli;

import java.io.PrintStream;
import cae.engine.cpu.CpuEngine;
import cae.engine.select.CudaAvailability;
import cae.model.Architecture;
import cae.train.Provenance;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        description = "Prints the program's version and commit, the Java runtime, the OS, the CPU and the CPU engine's settings, and what the CUDA engine found: driver, GPU, libraries, kernels and which path each op takes.")
final class InfoCommand implements Callable<Integer> {
    private final PrintStream out, err;

    InfoCommand(Streams streams) {
        this.out = streams.out();
        this.err = streams.err();
    }

    @Override public Integer call() {
        Provenance.Build build = Provenance.Build.current();
        out.println("cae:     " + build.version() + ", commit " + build.commit());
        out.println("model:   " + Architecture.RECIPE);
        out.println("java:    " + Provenance.javaRuntime());
        out.println("os:      " + Provenance.operatingSystem());
        out.println("cpu:     " + Provenance.cpuName() + ", vector species " + CpuEngine.vectorShape());
        out.println(CudaAvailability.report());
        return 0;
    }
}
