package io.loomlet;

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
}
