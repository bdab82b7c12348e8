package io.lwsj;

/**
 * The file descriptors a context under the application's own poll loop must watch
 * ({@link LwsContext.Builder#externalPoll}): ADD_POLL_FD, DEL_POLL_FD and
 * CHANGE_MODE_POLL_FD. Called while the context is built (on the building thread) and
 * from inside {@link LwsContext#serviceFd}. Events are poll(2) bits.
 */
public interface PollListener {
    /** ADD_POLL_FD: watch fd for these events and call {@link LwsContext#serviceFd} when it is ready. */
    void onAddPollFd(int fd, int events);

    /** DEL_POLL_FD: stop watching fd. */
    void onDelPollFd(int fd);

    /** CHANGE_MODE_POLL_FD (the classic SET_MODE / CLEAR_MODE): watch fd for these events now. */
    void onChangeModePollFd(int fd, int events, int previousEvents);
}
