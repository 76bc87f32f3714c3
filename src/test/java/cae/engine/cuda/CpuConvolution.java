package cae.engine.cuda;

import cae.engine.Engine;
import cae.engine.Tensor;
import cae.engine.cpu.CpuEngine;

/** What CpuEngine.conv3x3 and conv3x3Backward give for one layer: the reference the kernel tests compare with. */
record CpuConvolution(float[] y, float[] dx, float[] dWeight, float[] dBias) {

    /** x (n, cin, h, w), OIHW weight, bias and dy (n, cout, h, w) through the CPU engine's forward and backward. */
    static CpuConvolution of(int n, int cin, int cout, int h, int w, float[] x, float[] weight, float[] bias, float[] dy,
                             boolean relu) {
        CpuConvolution r = new CpuConvolution(new float[n * cout * h * w], new float[x.length], new float[weight.length],
                new float[cout]);
        try (Engine cpu = new CpuEngine(1)) {
            Tensor tx = cpu.zeros(n, cin, h, w), tw = cpu.zeros(cout, cin, 3, 3), tb = cpu.zeros(cout);
            Tensor ty = cpu.zeros(n, cout, h, w), tdy = cpu.zeros(n, cout, h, w), tdx = cpu.zeros(n, cin, h, w);
            Tensor tdw = cpu.zeros(cout, cin, 3, 3), tdb = cpu.zeros(cout);
            cpu.write(tx, x);
            cpu.write(tw, weight);
            cpu.write(tb, bias);
            cpu.write(tdy, dy);
            cpu.conv3x3(tx, tw, tb, ty, relu);
            cpu.conv3x3Backward(tx, tw, ty, tdy, relu, tdx, tdw, tdb);
            cpu.read(ty, r.y);
            cpu.read(tdx, r.dx);
            cpu.read(tdw, r.dWeight);
            cpu.read(tdb, r.dBias);
        }
        return r;
    }
}
