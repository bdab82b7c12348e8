/**
 * The classic libwebsockets shape over lwsj's API: one callback per protocol with a reason, and the Wsi.
 * Nothing is null unless it is marked {@code @Nullable}.
 */
@NullMarked
package io.lwsj.classic;

import org.jspecify.annotations.NullMarked;

