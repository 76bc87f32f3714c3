package cae.profile;

import cae.engine.Engine;
import cae.engine.ForwardingEngine;

/**
 * An engine whose every op is a range named after the op and its shapes ("conv 32->32 @14x14
 * backward"), so that a timeline shows which op each kernel or stretch of CPU time belongs to. Only
 * where ops run as they are called: when a CUDA graph replays a step, each op's call only checks that
 * the step is the one recorded and its kernels all run later, in the graph's launch, so under graphs
 * the step is the smallest range.
 */
public final class NvtxEngine extends ForwardingEngine {
    private final Ranges ranges;

    public NvtxEngine(Engine inner, Ranges ranges) {
        super(inner);
        this.ranges = ranges;
    }

    @Override protected void op(String name, Runnable body) {
        ranges.push(name);
        try {
            body.run();
        } finally {
            ranges.pop();
        }
    }
}
