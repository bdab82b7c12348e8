package io.lwsj;

/**
 * How often a context crossed between Java and native code, so that "no crossing per
 * message" can be observed. Safe to read from any thread; a figure read while the
 * context runs may lag the latest turn by a few counts.
 */
public interface Counters {
    /** Native calls made by service threads (service turns, flushes, HTTP answers). */
    long downcalls();

    /** Calls from native code into Java (HTTP, filters, file completion). */
    long upcalls();

    /** Events read from the event buffers. */
    long events();

    /** Commands written into submission buffers by service threads. */
    long commands();

    /** Native calls made by other threads (each send, close, ... from another thread). */
    long foreignDowncalls();
}
