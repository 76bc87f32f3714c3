package cae.profile;

/**
 * Named, nested ranges on a profiler's timeline: the phases of a run (data loading, each epoch, each
 * step, evaluation, checkpoint writes) and, through {@link NvtxEngine}, each op. {@link #NONE}, the
 * default everywhere, does nothing; {@code --nvtx} gives {@link Nvtx}'s.
 *
 * <p>A range is pushed and popped on one thread, the pop in a {@code finally}, so that ranges stay
 * balanced whatever ends the work: an exception, or Ctrl-C (the run stops between steps and pops its
 * ranges before it lets the JVM exit).
 */
public interface Ranges {
    /** Opens a range named {@code name} inside the one open on this thread. */
    void push(String name);

    /** Closes the innermost range open on this thread. */
    void pop();

    /** No ranges: every call does nothing. */
    Ranges NONE = new Ranges() {
        @Override public void push(String name) {}

        @Override public void pop() {}
    };
}
