package io.loomlet;

import io.loomlet.internal.Errors;

/**
 * The fields of a {@link Fiber} that few fibers ever use, in one object made on first use: a fiber
 * that uses none of them (most parked fibers) is 8 bytes smaller; one that does pays 16 more (#10).
 * Confined to the fiber's hub thread, as the fiber's own fields are ({@link Fiber#setName} aside,
 * which was a plain field write before too).
 */
final class FiberExtras {
    /** The fiber's own name (see {@link Fiber#name}), or null. */
    String name;

    /**
     * The fiber's FiberLocal values, indexed by FiberLocal id: weak references to cells that the
     * FiberLocals hold (see {@link FiberLocal}); null until the fiber uses one.
     */
    Object[] locals;

    /** A Timeout that fired while the fiber was not parked: raised at its next blocking point. */
    Throwable pendingThrow;

    /** Raises the pending Timeout, if any (the fiber is at a blocking point). */
    void raisePending() {
        Throwable t = pendingThrow;
        if (t != null) {
            pendingThrow = null;
            throw Errors.sneaky(t);
        }
    }

    /** The fiber died, or its hub closed: the FiberLocals drop its values. */
    void dropLocals() {
        Object[] l = locals;
        if (l != null) {
            locals = null;
            FiberLocal.fiberDied(l);
        }
    }

    /** {@code f}'s extras, made now if it has none. */
    static FiberExtras of(Strand f) {
        FiberExtras x = f.extras;
        if (x == null) {
            x = new FiberExtras();
            f.extras = x;
        }
        return x;
    }
}
