package io.lwsj;

import java.util.concurrent.atomic.LongAdder;

/**
 * How often a context crossed between Java and native code, so that DESIGN invariant 3
 * (no crossing per message) can be observed. Counts made by the service thread are
 * plain fields: read them on that thread, or after it has stopped, for exact values.
 */
public final class Counters {
    private long downcalls;
    private long upcalls;
    private long events;
    private long commands;
    private final LongAdder foreignDowncalls = new LongAdder();

    Counters() {}

    void downcall() { downcalls++; }
    void upcall() { upcalls++; }
    void event() { events++; }
    void command() { commands++; }
    void foreignDowncall() { foreignDowncalls.increment(); }

    /** Native calls made by the service thread (service turns, flushes, HTTP answers). */
    public long downcalls() { return downcalls; }

    /** Calls from native code into Java (HTTP, filters, file completion). */
    public long upcalls() { return upcalls; }

    /** Events read from the event buffer. */
    public long events() { return events; }

    /** Commands written into the submission buffer by the service thread. */
    public long commands() { return commands; }

    /** Native calls made by other threads (each send, close, ... from another thread). */
    public long foreignDowncalls() { return foreignDowncalls.sum(); }

    @Override
    public String toString() {
        return "Counters[downcalls=" + downcalls + ", upcalls=" + upcalls + ", events=" + events
                + ", commands=" + commands + ", foreignDowncalls=" + foreignDowncalls() + "]";
    }
}
