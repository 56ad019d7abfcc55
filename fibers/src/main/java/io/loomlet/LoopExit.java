package io.loomlet;

/**
 * Raised in a blocking call that nothing could ever end: the hub has no fiber ready, no timer, no
 * I/O and no cross-thread wait left (gevent's {@code LoopExit}). Typical cause: joining a task that
 * waits on a lock, event or queue nobody will ever release, set or fill.
 */
public class LoopExit extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LoopExit(String message) {
        super(message);
    }
}
