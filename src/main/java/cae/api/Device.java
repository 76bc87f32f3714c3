package cae.api;

/** Where a model runs or trains. */
public enum Device {
    /**
     * The GPU when the CUDA engine can run there, else the CPU, with a note that says why (the command
     * line's {@code --device auto}, the default).
     */
    AUTO,
    /** The pure-Java CPU engine. */
    CPU,
    /** The CUDA engine; opening it fails, naming the reason, where it cannot run. */
    CUDA
}
