package io.loomlet.iopatch.internal;

import io.loomlet.Fiber;
import io.loomlet.sync.RLock;
import java.util.IdentityHashMap;

/**
 * Fiber-owned locks standing in front of JVM monitors and ReentrantLocks in rewritten code. Fibers
 * of one hub share a carrier thread, so the JVM cannot tell them apart: a monitor held across a
 * park hangs the carrier when a second fiber enters it, and a ReentrantLock lets the second fiber
 * straight in. Taking this lock first (it parks the fiber, not the thread) means at most one fiber
 * of the hub ever reaches the real monitor or lock, which then behaves: mutual exclusion holds.
 *
 * <p>One map per carrier thread (hub-confined, like RLock); an entry lives while someone holds or
 * waits for it, so the map does not grow with the objects ever locked.
 */
public final class FiberMonitors {
    private static final class Entry {
        final RLock lock = new RLock();
        int users;
    }

    private static final ThreadLocal<IdentityHashMap<Object, Entry>> MAPS =
            ThreadLocal.withInitial(IdentityHashMap::new);

    private FiberMonitors() {
    }

    /** Takes {@code o}'s fiber lock, parking the fiber while another fiber holds it. */
    public static void enter(Object o) {
        IdentityHashMap<Object, Entry> map = MAPS.get();
        Entry e = map.computeIfAbsent(o, k -> new Entry());
        e.users++;
        try {
            e.lock.acquire();
        } catch (Throwable t) {
            release(map, o, e, false);
            throw t;
        }
    }

    /** Takes it only if free now (or already held by this fiber). */
    public static boolean tryEnter(Object o) {
        IdentityHashMap<Object, Entry> map = MAPS.get();
        Entry e = map.computeIfAbsent(o, k -> new Entry());
        e.users++;
        if (e.lock.tryAcquire()) {
            return true;
        }
        release(map, o, e, false);
        return false;
    }

    /** Releases it if the current fiber holds it; otherwise nothing (the enter was not cooperative). */
    public static void exit(Object o) {
        IdentityHashMap<Object, Entry> map = MAPS.get();
        Entry e = map.get(o);
        if (e != null && e.lock.owner() == Fiber.current()) {
            release(map, o, e, true);
        }
    }

    private static void release(IdentityHashMap<Object, Entry> map, Object o, Entry e, boolean held) {
        if (held) {
            e.lock.release();
        }
        if (--e.users == 0) {
            map.remove(o);
        }
    }
}
