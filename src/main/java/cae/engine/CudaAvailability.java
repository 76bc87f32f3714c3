package cae.engine;

import java.io.PrintStream;

/** Placeholder until the CUDA engine lands: replaced in the merge of the cuda-engine branch. */
public final class CudaAvailability {
    private CudaAvailability() {}

    public static String reasonUnavailable() { return "the CUDA engine is not built into this version"; }

    public static Engine open(Engines.Request request, PrintStream log) { throw new Engines.UnavailableException(reasonUnavailable()); }

    public static String report() { return "cuda:    unavailable: " + reasonUnavailable(); }
}
