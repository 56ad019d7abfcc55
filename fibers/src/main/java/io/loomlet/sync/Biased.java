package io.loomlet.sync;

import io.loomlet.internal.ProcessFence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The base of the thread-safe primitives that bias themselves to the one thread that uses them
 * ({@link Permits} under Semaphore, BoundedSemaphore, Lock and RLock; {@link Event}): the fields are
 * the primitive's own, so a fast path reads no other object.
 *
 * <p>Biases a thread-safe primitive to the one thread that uses it, so that while no other thread
 * touches it, that thread changes its state with plain reads and writes: no compare-and-set and no
 * fence. All fibers of a hub run on the hub's thread, so a semaphore, lock or event used by one hub
 * costs what a hub-confined one costs; the first operation from any other thread revokes the bias
 * for good, after which every thread uses the primitive's thread-safe path.
 *
 * <p>The primitive brackets each plain change in a <em>window</em>:
 *
 * <pre>{@code
 * if (enter()) {             // true only on the owner thread, while biased
 *     int s = state;         // plain field reads and writes, no calls, nothing that can block
 *     state = s - 1;
 *     exit();
 *     return;
 * }
 * ... the thread-safe path (compare-and-set, monitors) ...
 * }</pre>
 *
 * <b>The handshake.</b> The owner enters a window by writing {@code busy} and then reading
 * {@code owner}; a revoking thread writes {@code owner} (to {@code REVOKING}), runs a
 * {@link ProcessFence} and then waits until {@code busy} is clear. The fence stands in for the one
 * the owner leaves out between its write and its read: after it, either the owner's {@code busy}
 * is visible to the revoker, which waits for the window to close, or the owner's read comes after
 * the fence and sees {@code REVOKING}, and it takes the thread-safe path. The window's last write
 * is a release store of {@code busy}, read with acquire by the revoker, so the window's plain
 * writes are visible to it, and through its release store of {@code SHARED} to everyone after.
 * (That the revoker sees the owner's <em>last</em> closing store, not an earlier one, is the fence's
 * doing, not the memory model's.) Fields the owner writes outside any window (a lock's owner fiber,
 * an RLock's count) are read by the owner thread only, so no other thread needs to see them.
 * The JVM must not move the owner's read of {@code owner} above its write of {@code busy}: both
 * are {@link VarHandle} accesses with ordering (release store, acquire load), which HotSpot's
 * compilers wrap in CPU-order barriers and keep in program order (the interpreter executes them in
 * order); the Java memory model alone would allow the swap, so this class relies on HotSpot as
 * {@code -XX:+UseSystemMemoryBarrier} does.
 *
 * <p><b>No hang.</b> A window holds nothing that can block or switch, so a revoker waits for a few
 * instructions (or for the owner's next time slice, if the OS pre-empted it there), never for the
 * owner's hub to run its loop: a hub thread blocked elsewhere (a root in {@code Thread.join},
 * waiting for the very thread that revokes) is outside every window. The window's closing store is
 * the same {@code VarHandle} call as its opening one, made from a frame at the same depth (and no
 * larger), so a {@code StackOverflowError} that did not strike the opening does not strike the
 * closing. The fast paths' windows make no calls but release stores from the primitive's frame, linked
 * by its constructor; the lot's ({@code enterConfined}: a waiter's
 * append, a hand-off to a waiter of the same hub) make a few, and close in a {@code finally}, so an
 * error inside still closes them. Windows never nest. A {@code busy} left set by a thread that died
 * is ignored.
 *
 * <p><b>Binding.</b> A new bias is unbound; the first platform thread that uses the primitive
 * binds it to itself (one compare-and-set, once). A virtual thread shares it at once: it may move
 * between carriers. Where {@link ProcessFence} is not available, every bias is shared from the
 * start and {@link #enter()} is one test of a constant.
 *
 * <p>Memory: two fields per primitive, and a reference to its owner thread while biased.
 */
abstract class Biased {
    /** Whether primitives are biased at all: {@link ProcessFence#AVAILABLE}. */
    static final boolean ENABLED = ProcessFence.AVAILABLE;

    private static final Object SHARED = new Object() {
        @Override
        public String toString() {
            return "shared";
        }
    };
    private static final Object REVOKING = new Object() {
        @Override
        public String toString() {
            return "revoking";
        }
    };
    private static final VarHandle OWNER;
    private static final VarHandle BUSY;
    /** Spins of a waiting thread before it also yields its time slice (to a pre-empted owner or revoker). */
    private static final int SPINS = 100;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(Biased.class, "owner", Object.class);
            BUSY = l.findVarHandle(Biased.class, "busy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null: unbound; a {@link Thread}: biased to it; {@link #REVOKING}; {@link #SHARED}. */
    /**
     * Volatile so that revoke can end with a plain field store, which cannot overflow the stack (a
     * {@code VarHandle} call goes through several frames; see revoke); read and compared through
     * {@code OWNER}.
     */
    private volatile Object owner;
    /** 1 inside a window. Written by the owner thread only (release stores), read by a revoker. */
    @SuppressWarnings("unused") // through BUSY
    private int busy;

    /** An unbound bias: the first platform thread to use the primitive owns it. */
    Biased() {
        if (!ENABLED) {
            OWNER.set(this, SHARED);
        }
    }

    /**
     * Opens a window if the calling thread owns the bias (binding an unbound one to it); false
     * otherwise, after revoking the bias if another thread owned it: the caller then takes its
     * thread-safe path. After true, the caller must make only plain reads and writes of its
     * primitive's state, and then call {@link #exit()}, from the same method.
     */
    final boolean enter() {
        if (!ENABLED) {
            return false;
        }
        Thread me = Thread.currentThread();
        Object o = OWNER.getAcquire(this); // acquire: a SHARED read here must see the revoker's view of the state
        if (o != me && (o == SHARED || !claim(me, o))) {
            return false;
        }
        BUSY.setRelease(this, 1);
        if (OWNER.getAcquire(this) == me) {
            return true;
        }
        BUSY.setRelease(this, 0); // revoked meanwhile: the revoker may be waiting for this
        return false;
    }

    /** Closes the window that {@link #enter()} opened. */
    final void exit() {
        BUSY.setRelease(this, 0);
    }

    /**
     * For a thread-safe path that does not go through {@link #enter()} (a wait, a watch): true if the
     * calling thread owns the bias (binding an unbound one to it), so that program order alone keeps
     * it right; otherwise the bias is revoked, after which the owner too takes the thread-safe
     * paths, and false.
     */
    final boolean own() {
        if (!ENABLED) {
            return false;
        }
        Thread me = Thread.currentThread();
        Object o = OWNER.getAcquire(this); // acquire: a SHARED read here must see the revoker's view of the state
        if (o == me) {
            return true;
        }
        return o != SHARED && claim(me, o);
    }

    /** Whether the calling thread owns the bias now (for tests and diagnostics). */
    final boolean biasOwnedByCurrentThread() {
        return OWNER.getAcquire(this) == Thread.currentThread();
    }

    /** Whether the bias is revoked for good (for tests and diagnostics). */
    final boolean biasShared() {
        return OWNER.getAcquire(this) == SHARED;
    }

    /**
     * The slow part of {@link #enter()} and {@link #own()}, for an owner {@code o} that is neither me
     * nor SHARED: binds an unbound bias to me if I am a platform thread (true), else shares it,
     * revoking another thread's bias (false).
     */
    private boolean claim(Thread me, Object o) {
        if (o == null && !me.isVirtual() && OWNER.compareAndSet(this, null, me)) {
            return true;
        }
        settleShared(OWNER.getAcquire(this)); // (never bound to me here: only I bind me)
        return false;
    }

    /** Loops until the bias is shared, revoking it or waiting for the thread that is revoking it. */
    private void settleShared(Object o) {
        for (int spins = 0;; spins++) {
            if (o == SHARED) {
                return;
            }
            if (o == null) {
                if (OWNER.compareAndSet(this, null, SHARED)) {
                    return;
                }
            } else if (o == REVOKING) {
                // another thread revokes; it never unmounts or parks meanwhile (see revoke), so yielding
                // here, even a virtual thread's unmount, cannot hold it up
                pause(spins, true);
            } else if (revoke((Thread) o)) {
                return;
            }
            o = OWNER.getAcquire(this);
        }
    }

    /**
     * Revokes the bias of {@code was} if it still holds it: marks it REVOKING, runs the process-wide
     * fence, waits until the owner is out of its window, then shares. False if another thread got there
     * first. Anything thrown on the way (no fence, a stack overflow) puts the bias back to the owner
     * before it propagates: nothing was touched yet, and a REVOKING left behind would make every
     * later user spin for ever.
     */
    private boolean revoke(Thread was) {
        if (!OWNER.compareAndSet(this, was, REVOKING)) {
            return false;
        }
        // From here on, every way out stores into owner with a field store, not a VarHandle call: a
        // StackOverflowError thrown inside would strike that call again (tested at every depth).
        try {
            ProcessFence.run();
            for (int spins = 0; (int) BUSY.getAcquire(this) != 0; spins++) {
                if (!was.isAlive()) {
                    break; // a dead thread's writes are all visible now (its end happens-before isAlive's false)
                }
                // The owner was pre-empted inside its window. A virtual thread must not unmount here:
                // on a hub it would wait for its hub's thread, whose fibers may be spinning on REVOKING.
                pause(spins, !Thread.currentThread().isVirtual());
            }
        } catch (Throwable t) {
            owner = was;
            throw t;
        }
        owner = SHARED;
        return true;
    }

    /** Spins a while, then (if {@code mayYield}) yields the time slice too. */
    private static void pause(int spins, boolean mayYield) {
        Thread.onSpinWait();
        if (mayYield && spins >= SPINS) {
            Thread.yield();
        }
    }

    /** The bias as text: unbound, biased to a thread, revoking, shared. */
    final String biasState() {
        Object o = OWNER.getAcquire(this);
        return o == null ? "unbound" : o instanceof Thread t ? "biased to " + t.getName() : o.toString();
    }
}
