package io.loomlet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The live (started or not, not dead) user fibers of one hub, for {@link Hub#close()}, dumps and the
 * watchdog. An array in which each fiber knows its slot ({@code Fiber.liveIndex}), as a
 * {@link TimerNode} knows its heap slot: O(1) add and remove, and 4 bytes per fiber instead of
 * the 8 of two links.
 *
 * <p>Confinement: written by the hub's thread only; {@link #racySnapshot()} is for the watchdog.
 */
final class FiberList {
    private Fiber[] fibers = new Fiber[16];
    private int size;

    /** Fibers added and removed so far: JFR's hub statistics. */
    private long added;
    private long removed;

    long added() {
        return added;
    }

    long removed() {
        return removed;
    }

    void add(Fiber f) {
        added++;
        if (size == fibers.length) {
            fibers = Arrays.copyOf(fibers, size * 2);
        }
        f.liveIndex = size;
        fibers[size++] = f;
    }

    /** Removes {@code f}; harmless when it is not in the list. */
    void remove(Fiber f) {
        int i = f.liveIndex;
        if (i < 0) {
            return;
        }
        removed++;
        f.liveIndex = -1;
        Fiber last = fibers[--size];
        fibers[size] = null;
        if (i != size) {
            fibers[i] = last;
            last.liveIndex = i;
        }
        if (fibers.length > 1024 && size < fibers.length / 4) {
            fibers = Arrays.copyOf(fibers, fibers.length / 2); // give memory back after a burst
        }
    }

    int size() {
        return size;
    }

    /** The live fibers now, oldest slots first. Hub thread only. */
    List<Fiber> snapshot() {
        return new ArrayList<>(Arrays.asList(fibers).subList(0, size));
    }

    /*
     * Reads the array from another thread (the watchdog). This is racy, but the race is benign: the
     * watchdog only reads a hub whose thread has not switched for its whole threshold, so the list is
     * not changing; if the thread moves on meanwhile, the worst case is a stale or missing name in
     * one report. Nulls are skipped; the array reference read once keeps indexes in bounds.
     */
    List<Fiber> racySnapshot() {
        Fiber[] a = fibers;
        int n = Math.min(size, a.length);
        List<Fiber> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Fiber f = a[i];
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }
}
