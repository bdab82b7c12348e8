/**
 * lwsj's API: contexts, protocols, handlers, connections, requests and responses, errors.
 * Nothing is null unless it is marked {@code @Nullable}.
 */
@NullMarked
package io.lwsj;

import org.jspecify.annotations.NullMarked;
