package io.lwsj.internal;

import io.lwsj.Counters;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * A context's {@link Counters}. The service thread is the only writer of the first four,
 * so it adds with a plain read and a release store (no atomic instruction on the hot
 * path), and readers on any thread see a recent value.
 */
final class CrossingCounters implements Counters {
    private static final VarHandle DOWNCALLS = field("downcalls");
    private static final VarHandle UPCALLS = field("upcalls");
    private static final VarHandle EVENTS = field("events");
    private static final VarHandle COMMANDS = field("commands");

    @SuppressWarnings("unused") private long downcalls;
    @SuppressWarnings("unused") private long upcalls;
    @SuppressWarnings("unused") private long events;
    @SuppressWarnings("unused") private long commands;
    private final LongAdder foreignDowncalls = new LongAdder();

    private static VarHandle field(String name) {
        try {
            return MethodHandles.lookup().findVarHandle(CrossingCounters.class, name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // each with its own constant handle, so that the JIT makes it a load and a store
    void downcall() { DOWNCALLS.setRelease(this, (long) DOWNCALLS.get(this) + 1); }
    void upcall() { UPCALLS.setRelease(this, (long) UPCALLS.get(this) + 1); }
    void event() { EVENTS.setRelease(this, (long) EVENTS.get(this) + 1); }
    void command() { COMMANDS.setRelease(this, (long) COMMANDS.get(this) + 1); }
    void foreignDowncall() { foreignDowncalls.increment(); }

    @Override public long downcalls() { return (long) DOWNCALLS.getAcquire(this); }
    @Override public long upcalls() { return (long) UPCALLS.getAcquire(this); }
    @Override public long events() { return (long) EVENTS.getAcquire(this); }
    @Override public long commands() { return (long) COMMANDS.getAcquire(this); }
    @Override public long foreignDowncalls() { return foreignDowncalls.sum(); }

    @Override
    public String toString() {
        return "Counters[downcalls=" + downcalls() + ", upcalls=" + upcalls() + ", events=" + events()
                + ", commands=" + commands() + ", foreignDowncalls=" + foreignDowncalls() + "]";
    }
}
