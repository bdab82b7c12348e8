package io.lwsj.internal;

import io.lwsj.Protocol;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A context's protocols in the glue's order, found by object, name or URL path. Immutable. */
final class ProtocolTable {
    private final Protocol<?>[] protocols;
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<String, Integer> byPath = new HashMap<>();

    ProtocolTable(List<Protocol<?>> list) {
        this.protocols = list.toArray(new Protocol<?>[0]);
        for (int i = 0; i < protocols.length; i++) {
            byName.put(protocols[i].name(), i);
            if (protocols[i].path() != null) {
                byPath.put(protocols[i].path(), i);
            }
        }
    }

    int size() {
        return protocols.length;
    }

    Protocol<?> at(int index) {
        return protocols[index];
    }

    List<Protocol<?>> asList() {
        return List.of(protocols);
    }

    boolean hasName(String name) {
        return byName.containsKey(name);
    }

    Protocol<?> named(String name) {
        Integer i = byName.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no protocol named '" + name + "' in this context; it has "
                    + byName.keySet());
        }
        return protocols[i];
    }

    /** The glue's index of a protocol of this context; a protocol of another context is refused. */
    int indexOf(Protocol<?> protocol) {
        Integer i = byName.get(protocol.name());
        if (i == null || protocols[i] != protocol) {
            throw new IllegalArgumentException("protocol '" + protocol.name() + "' is not one of this context's: "
                    + byName.keySet());
        }
        return i;
    }

    /** The protocol that serves a URL path ({@link Protocol.Builder#path}), or -1. */
    int forPath(String path) {
        Integer i = byPath.get(path);
        return i == null ? -1 : i;
    }
}
