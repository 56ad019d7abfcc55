package io.loomlet;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * What stands for one of a hub's virtual threads inside the kernel: when such a thread calls
 * Loomlet (a queue, an event, {@code Task.join}, a patched socket), it parks and is woken as this
 * fiber, through the same {@link Park} contract as any fiber. It has no continuation of ours: its
 * park is the JDK's ({@code LockSupport.park} of the thread) and its wake an unpark, which the JDK
 * turns into a call of the hub's scheduler. Made on first use by {@code Scheduler.current()}, kept
 * in a thread local of the virtual thread, never on the hub's list of live fibers.
 */
final class VirtualFiber extends Fiber {
    final Thread vthread;

    VirtualFiber(Scheduler sched, Thread vthread) {
        super(sched, VIRTUAL);
        this.vthread = vthread;
    }

    /**
     * The park itself: the JDK parks the thread (its own continuation, not one of ours) until a wake
     * unparks it; the hub's loop runs meanwhile. A Loomlet wait is not interruptible (its API has no
     * InterruptedException): an interrupt is kept for afterwards, except in a socket wait, which it
     * ends by closing the socket, as the JDK's own sockets do in a virtual thread.
     */
    void awaitWake() {
        boolean interrupted = false;
        while (isParked()) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true; // else park would return at once, again and again, holding the hub
                if (blocker instanceof SelectableChannel ch) {
                    interruptIo(ch);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closing the socket wakes this wait with a SocketException (the interrupt status stays set). */
    private void interruptIo(SelectableChannel ch) {
        try {
            sched.hub.reactor().close(ch);
        } catch (IOException | RuntimeException e) {
            unpark(null); // closed already, or the OS refused: the wait ends anyway
        }
    }
}
