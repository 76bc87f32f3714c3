package cae.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one indexed task at a time, the caller taking part as worker 0.
 * Items are handed out dynamically, so which worker runs an item varies; callers make each item's
 * result independent of that (per-item outputs, fixed-order reductions), which keeps results the
 * same for every thread count. Dispatch allocates nothing.
 */
final class WorkerPool implements AutoCloseable {

    /** One parallel loop body: item index and the id (0 .. threads-1) of the worker running it. */
    interface Task {
        void run(int item, int worker);
    }

    private static final int SPINS = 20_000;

    private final Thread[] workers;
    private final AtomicInteger nextItem = new AtomicInteger();
    private final AtomicInteger busyWorkers = new AtomicInteger();
    private volatile Task task;
    private volatile int items;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread caller;

    WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = new Thread(() -> workLoop(id), "cae-cpu-" + id);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int threads() { return workers.length + 1; }

    /** Runs {@code task.run(i, worker)} for every i in [0, count) and returns when all are done. */
    void forEach(int count, Task body) {
        if (count <= 0) return;
        if (workers.length == 0 || count == 1) {
            for (int i = 0; i < count; i++) body.run(i, 0);
            return;
        }
        caller = Thread.currentThread();
        task = body;
        items = count;
        failure = null;
        nextItem.set(0);
        busyWorkers.set(workers.length);
        generation++;
        for (Thread t : workers) LockSupport.unpark(t);
        try {
            drain(body, count, 0);
        } catch (Throwable t) {
            failure = t;
        }
        for (int spins = 0; busyWorkers.get() > 0; spins++) {
            if (spins < SPINS) Thread.onSpinWait(); else LockSupport.parkNanos(this, 50_000);
        }
        task = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            if (t instanceof Error) throw (Error) t;
            throw new IllegalStateException(t);
        }
    }

    private void drain(Task body, int count, int worker) {
        for (int i = nextItem.getAndIncrement(); i < count; i = nextItem.getAndIncrement()) body.run(i, worker);
    }

    private void workLoop(int id) {
        int seen = 0;
        while (true) {
            for (int spins = 0; generation == seen && !closed; spins++) {
                if (spins < SPINS) Thread.onSpinWait(); else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                drain(task, items, id);
            } catch (Throwable t) {
                failure = t;
            }
            if (busyWorkers.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
