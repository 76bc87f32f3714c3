package cae.engine.cuda;

import cae.engine.Pixels;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU emulation of the kernels (native-tests/host/kernel_emulator.cpp): a process running every
 * kernel of kernels/*.cu compiled as C++, given buffers and launches over a pipe. It is a launcher for
 * {@link Kernels}, so a test runs the engine's own typed launches on host buffers and compares the
 * results with the CPU engine; the process checks each argument against the kernel's C++ parameter
 * types and refuses a launch whose arguments are out of order.
 *
 * <p>The program is built once per test run into target/native-host. Tests using it skip, with the
 * reason, where there is no C++ compiler or no bash. One process per emulator: a kernel that crashes it
 * fails the test that launched it, with the process's last words.
 */
final class KernelEmulator implements KernelLauncher, AutoCloseable {
    /**
     * Blocks a grid-stride kernel gets here: any count covers its elements, and fewer than the GPU's
     * one per 256 make each thread's stride loop run more than once, which the GPU's grid rarely does
     * at test sizes. Fewer blocks also emulate faster.
     */
    static final int STRIDE_BLOCKS = 5;

    private static final Path OUT = Path.of("target", "native-host");
    private static Path executable;
    private static String skipReason;

    private static final int F32 = 1, I32 = 2, U8 = 3, I64 = 4;

    private final Process process;
    private final OutputStream in;
    private final InputStream out;
    private int buffers;

    /** A device pointer into one of the emulator's buffers. */
    static final class Buffer extends CUdeviceptr {
        final int id;
        final long offset;

        Buffer(int id, long offset) {
            this.id = id;
            this.offset = offset;
        }

        @Override public CUdeviceptr withByteOffset(long bytes) { return new Buffer(id, offset + bytes); }

        @Override public String toString() { return "buffer " + id + (offset == 0 ? "" : " + " + offset + " bytes"); }
    }

    private static synchronized Path executable() {
        if (executable == null && skipReason == null) {
            try {
                Process p = new ProcessBuilder("bash", "native-tests/host/build.sh", OUT.toString()).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("native-tests/host/build.sh did not finish in 300 s");
                }
                if (p.exitValue() == 77) skipReason = output.trim();
                else if (p.exitValue() != 0) fail("native-tests/host/build.sh failed:\n" + output);
                else executable = OUT.resolve("cae_kernel_emulator").toAbsolutePath();
            } catch (IOException e) {
                skipReason = "cannot run bash (" + e.getMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        Assumptions.assumeTrue(skipReason == null, () -> "native-tests/host: " + skipReason);
        return executable;
    }

    /** Starts an emulator; skips the test where none can be built. */
    static KernelEmulator start() {
        try {
            return new KernelEmulator(new ProcessBuilder(executable().toString()).redirectError(ProcessBuilder.Redirect.PIPE).start());
        } catch (IOException e) {
            throw new AssertionError("cannot start the kernel emulator", e);
        }
    }

    private KernelEmulator(Process process) {
        this.process = process;
        this.in = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        this.out = new BufferedInputStream(process.getInputStream(), 1 << 16);
    }

    /** The engine's typed launches, run here. */
    Kernels kernels() { return new Kernels(this); }

    // ---- buffers ----

    private Buffer write(int element, int count, ByteBuffer values) {
        int id = ++buffers;
        send(little(14).put((byte) 'W').putInt(id).put((byte) element).putLong(count).flip(), values);
        status("writing a buffer");
        return new Buffer(id, 0);
    }

    Buffer floats(float[] values) {
        ByteBuffer b = little(values.length * 4);
        b.asFloatBuffer().put(values);
        return write(F32, values.length, b);
    }

    /** {@code count} floats, all NaN: an output, so that a cell a kernel leaves unwritten shows. */
    Buffer nans(int count) {
        float[] v = new float[count];
        Arrays.fill(v, Float.NaN);
        return floats(v);
    }

    Buffer ints(int[] values) {
        ByteBuffer b = little(values.length * 4);
        b.asIntBuffer().put(values);
        return write(I32, values.length, b);
    }

    Buffer bytes(byte[] values) { return write(U8, values.length, ByteBuffer.wrap(values)); }

    Buffer longs(long[] values) {
        ByteBuffer b = little(values.length * 8);
        b.asLongBuffer().put(values);
        return write(I64, values.length, b);
    }

    /** A tensor of this shape holding {@code values}. */
    CudaTensor tensor(float[] values, int... shape) {
        CudaTensor t = new CudaTensor(null, floats(values), 0, 0, shape);
        if (t.size() != values.length) throw new IllegalArgumentException(values.length + " values for " + t);
        return t;
    }

    /** A tensor of this shape filled with NaN. */
    CudaTensor nanTensor(int... shape) {
        int size = 1;
        for (int d : shape) size *= d;
        return new CudaTensor(null, nans(size), 0, 0, shape);
    }

    /** A data set of {@code count} grey images of h x w bytes. */
    CudaImageSet images(byte[] pixels, int count, int h, int w) { return images(Pixels.of(pixels, count, 1, h, w)); }

    /**
     * Images as the engine uploads them: the pixels passed through {@link CudaImageSet#copyInChunks}
     * with a staging array of 7 bytes (so that images span chunks and chunks hold several images) into
     * one buffer, and the offset and size tables the engine builds.
     */
    CudaImageSet images(Pixels pixels) {
        byte[] all = new byte[(int) CudaImageSet.totalBytes(pixels)];
        CudaImageSet.copyInChunks(pixels, new byte[7], (at, staging, length) -> System.arraycopy(staging, 0, all, (int) at, length));
        return new CudaImageSet(null, pixels, bytes(all), longs(CudaImageSet.offsets(pixels)), ints(CudaImageSet.sizes(pixels)), 0);
    }

    private ByteBuffer readBytes(CUdeviceptr p, long bytes) {
        Buffer b = (Buffer) p;
        send(little(5).put((byte) 'R').putInt(b.id).flip());
        status("reading a buffer");
        long length = readLittle(8).getLong();
        byte[] all = readFully((int) length);
        if (b.offset + bytes > length) fail(b + ": " + bytes + " bytes asked of a buffer of " + length);
        return ByteBuffer.wrap(all, (int) b.offset, (int) bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    float[] read(CudaTensor t) { return read(t.ptr, t.size()); }

    float[] read(CUdeviceptr p, int count) {
        float[] v = new float[count];
        readBytes(p, count * 4L).asFloatBuffer().get(v);
        return v;
    }

    long[] readLongs(CUdeviceptr p, int count) {
        long[] v = new long[count];
        readBytes(p, count * 8L).asLongBuffer().get(v);
        return v;
    }

    // ---- launches ----

    @Override public int gridStrideBlocks(long total) { return Math.min(Kernels.blocksFor(total), STRIDE_BLOCKS); }

    @Override public void launch(String name, int blocksX, int blocksY, KernelArgs args) {
        if (!Kernels.NAMES.contains(name)) fail(name + " is not in Kernels.NAMES, so the GPU's module would not load it");
        String why = tryLaunch(name, blocksX, blocksY, KernelConstants.THREADS, args);
        if (why != null) fail("the emulator refused " + name + ": " + why);
    }

    /** Launches, and returns null, or the emulator's reason for refusing the launch. */
    String tryLaunch(String name, int blocksX, int blocksY, int threads, KernelArgs args) {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer m = little(1 + 2 + nameBytes.length + 14 + args.list().size() * 13 + 8 * KernelConstants.STEP_WORDS + 4);
        m.put((byte) 'L').putShort((short) nameBytes.length).put(nameBytes).putInt(blocksX).putInt(blocksY).putInt(threads)
                .putShort((short) args.list().size());
        for (KernelArgs.Arg a : args.list()) {
            if (a instanceof KernelArgs.DevicePointer p) {
                if (p.value() != null && !(p.value() instanceof Buffer)) fail(name + ": a pointer that is not the emulator's: " + p.value());
                Buffer b = (Buffer) p.value();
                m.put((byte) 1).putInt(b == null ? 0 : b.id).putLong(b == null ? 0 : b.offset);
            } else if (a instanceof KernelArgs.Int32 v) m.put((byte) 2).putInt(v.value());
            else if (a instanceof KernelArgs.Float32 v) m.put((byte) 3).putFloat(v.value());
            else if (a instanceof KernelArgs.Int64 v) m.put((byte) 4).putLong(v.value());
            else {
                long[] words = ((KernelArgs.Words) a).value();
                m.put((byte) 5).putInt(words.length * 8);
                for (long w : words) m.putLong(w);
            }
        }
        send(m.flip());
        return refusal();
    }

    /** The kernels the emulator holds. */
    List<String> kernelNames() { return List.of(text('K').split("\n")); }

    /** The constants the kernels share with Java, "name value" a line. */
    String constants() { return text('C'); }

    private String text(char request) {
        send(little(1).put((byte) request).flip());
        status("asking for " + request);
        return new String(readFully(readLittle(4).getInt()), StandardCharsets.UTF_8);
    }

    // ---- the pipe ----

    private static ByteBuffer little(int capacity) { return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN); }

    /** Each part's remaining bytes. */
    private void send(ByteBuffer... parts) {
        try {
            for (ByteBuffer p : parts) in.write(p.array(), p.arrayOffset() + p.position(), p.remaining());
            in.flush();
        } catch (IOException e) {
            died(e);
        }
    }

    private void status(String doing) {
        String why = refusal();
        if (why != null) fail("the emulator refused " + doing + ": " + why);
    }

    /** Null for status 0, else the message that follows. */
    private String refusal() {
        byte[] s = readFully(1);
        if (s[0] == 0) return null;
        return new String(readFully(readLittle(4).getInt()), StandardCharsets.UTF_8);
    }

    private ByteBuffer readLittle(int n) { return ByteBuffer.wrap(readFully(n)).order(ByteOrder.LITTLE_ENDIAN); }

    private byte[] readFully(int n) {
        try {
            byte[] b = out.readNBytes(n);
            if (b.length != n) throw new EOFException();
            return b;
        } catch (IOException e) {
            died(e);
            return null;
        }
    }

    private void died(IOException e) {
        String stderr;
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException | InterruptedException again) {
            stderr = "(its error output could not be read)";
        }
        fail("the kernel emulator stopped" + (process.isAlive() ? "" : " with status " + process.exitValue()) + ": " + stderr, e);
    }

    @Override public void close() {
        try {
            in.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
