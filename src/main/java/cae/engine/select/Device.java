package cae.engine.select;

/** Where to run: {@code auto} takes the GPU when the CUDA engine can run there, else the CPU. */
public enum Device {
    AUTO, CPU, CUDA;

    public static Device parse(String s) {
        for (Device d : values()) if (d.name().equalsIgnoreCase(s)) return d;
        throw new IllegalArgumentException("unknown device '" + s + "' (expected auto, cpu or cuda)");
    }
}
