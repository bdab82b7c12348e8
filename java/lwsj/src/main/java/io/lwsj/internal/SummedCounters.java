package io.lwsj.internal;

import io.lwsj.Counters;
import java.util.List;
import java.util.function.ToLongFunction;

/** The counters of a context with several service threads: each the sum over its engines. */
final class SummedCounters implements Counters {
    private final List<ContextEngine> engines;

    SummedCounters(List<ContextEngine> engines) {
        this.engines = engines;
    }

    private long sum(ToLongFunction<Counters> one) {
        long total = 0;
        for (ContextEngine e : engines) {
            total += one.applyAsLong(e.counters());
        }
        return total;
    }

    @Override
    public long downcalls() {
        return sum(Counters::downcalls);
    }

    @Override
    public long upcalls() {
        return sum(Counters::upcalls);
    }

    @Override
    public long events() {
        return sum(Counters::events);
    }

    @Override
    public long commands() {
        return sum(Counters::commands);
    }

    @Override
    public long foreignDowncalls() {
        return sum(Counters::foreignDowncalls);
    }
}
