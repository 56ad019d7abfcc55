package io.loomlet;

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
        super(sched, Kind.VIRTUAL);
        this.vthread = vthread;
    }
}
