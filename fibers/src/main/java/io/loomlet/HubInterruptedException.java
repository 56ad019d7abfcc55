package io.loomlet;

/**
 * Raised in a blocking call that a thread's root (or a pinned fiber) is waiting in when that
 * thread is interrupted: the hub wakes and ends the wait, as {@link Thread#sleep} would, instead of
 * sleeping on. The thread's interrupt status stays set, so code further up that checks it sees the
 * interrupt too; clear it with {@link Thread#interrupted()} to block again. Fibers parked meanwhile
 * are not affected: an interrupt is the thread's, and only the wait that holds the thread ends.
 */
public class HubInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HubInterruptedException(String message) {
        super(message);
    }
}
