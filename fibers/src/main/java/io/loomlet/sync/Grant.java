package io.loomlet.sync;

/** The value a waiter is unparked with when what it is handed is a permission, not an item. */
enum Grant {
    /** A permit, a lock, or room in a queue. */
    PERMIT
}
