/**
 * Broadcast across lwsj servers through Redis pub/sub: {@link io.lwsj.redis.RedisBroadcast}.
 */
@NullMarked
package io.lwsj.redis;

import org.jspecify.annotations.NullMarked;
