package io.loomlet;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value per fiber: the fiber-safe twin of {@link ThreadLocal}, gevent's {@code gevent.local.local}.
 * All fibers of a hub share one carrier thread, so a ThreadLocal is shared by all of them; a
 * FiberLocal is not. The root fiber has its own values too.
 *
 * <p>A value lives as long as both its fiber and its FiberLocal: it goes when its fiber dies, and it
 * can be collected as soon as its FiberLocal is unreachable, even while its fiber runs on (as
 * gevent's locals, which hold their values themselves). A value that refers to its own FiberLocal
 * does not keep it alive.
 *
 * <p>How: the FiberLocal holds its values, one cell per fiber, and a fiber holds only weak references
 * to its cells, in an array indexed by the FiberLocal's id ({@code FiberExtras.locals}, null until
 * the fiber uses a FiberLocal, so a fiber that uses none pays nothing). A cell refers to its FiberLocal,
 * so while any cell is reachable its FiberLocal is too; when the FiberLocal goes, its cells go with
 * it and the fibers' weak references to them are cleared. Only then is its id given to a new
 * FiberLocal (the lowest free id first), so a fiber's array is as long as the largest number of
 * FiberLocals alive at once, not the number ever created. A fiber that dies drops its cells from
 * their FiberLocals; a fiber that never dies (a root, a hub's callback fiber, a hub's virtual
 * thread) drops them when it is collected.
 *
 * @param <T> the value's type
 */
public class FiberLocal<T> {
    // ------------------------------------------------------------------------------------ ids

    /** Guards the id table below. */
    private static final Object IDS = new Object();
    /** Ids whose FiberLocal was collected: given out again, lowest first. */
    private static final BitSet FREE = new BitSet();
    /** Tells when a FiberLocal was collected (its cells and their weak references are cleared by then). */
    private static final ReferenceQueue<FiberLocal<?>> COLLECTED = new ReferenceQueue<>();
    /** The phantom reference of each id in use, to keep it reachable until it is enqueued. */
    private static IdRef[] byId = new IdRef[16];
    private static int nextId;

    /** Tells a cell whose fiber was collected without dying (a root, a virtual thread's fiber). */
    private static final ReferenceQueue<Strand> LOST_FIBERS = new ReferenceQueue<>();

    private static final class IdRef extends PhantomReference<FiberLocal<?>> {
        final int id;

        IdRef(FiberLocal<?> local, int id) {
            super(local, COLLECTED);
            this.id = id;
        }
    }

    private static int takeId(FiberLocal<?> local) {
        synchronized (IDS) {
            for (IdRef r; (r = (IdRef) COLLECTED.poll()) != null; ) {
                byId[r.id] = null;
                FREE.set(r.id);
            }
            int id = FREE.nextSetBit(0);
            if (id >= 0) {
                FREE.clear(id);
            } else {
                id = nextId++;
                if (id == byId.length) {
                    byId = Arrays.copyOf(byId, id * 2);
                }
            }
            byId[id] = new IdRef(local, id);
            return id;
        }
    }

    // ------------------------------------------------------------------------------------ cells

    /**
     * One fiber's value of one FiberLocal: held strongly by its FiberLocal's list (and nothing else),
     * weakly by the fiber's slot. As a weak reference to its fiber, it is enqueued on
     * {@link #LOST_FIBERS} if the fiber is collected while the cell is still listed.
     */
    static final class Cell extends WeakReference<Strand> {
        /** Read and written only by the cell's fiber. */
        Object value;
        final FiberLocal<?> owner;
        /** Links of the owner's list, under the owner's {@link #cells} lock; null once unlisted. */
        Cell prev;
        Cell next;

        /** A list head. */
        Cell() {
            super(null);
            this.owner = null;
            prev = this;
            next = this;
        }

        Cell(Strand fiber, FiberLocal<?> owner, Object value) {
            super(fiber, LOST_FIBERS);
            this.owner = owner;
            this.value = value;
        }
    }

    /**
     * Drops the cells of fibers that were collected without dying; called when a FiberLocal is made
     * and when a fiber sets its first value of one.
     */
    private static void dropLostCells() {
        for (Cell c; (c = (Cell) LOST_FIBERS.poll()) != null; ) {
            c.owner.unlist(c);
        }
    }

    /**
     * A fiber dies (Strand.die): its values go. Called on the fiber's hub thread with its slots,
     * which nobody else reads.
     */
    static void fiberDied(Object[] slots) {
        for (Object s : slots) {
            if (s instanceof WeakReference<?> r && r.get() instanceof Cell c) {
                c.owner.unlist(c);
            }
        }
    }

    // ------------------------------------------------------------------------------------ a local

    private final int id;
    private final Supplier<? extends T> initial;
    /** Head of this local's cells, a circular list; also its lock (fibers of several hubs add cells). */
    private final Cell cells = new Cell();

    public FiberLocal() {
        this(() -> null);
    }

    private FiberLocal(Supplier<? extends T> initial) {
        this.initial = initial;
        this.id = takeId(this);
        dropLostCells();
    }

    /** A FiberLocal whose first {@link #get()} in each fiber returns {@code initial.get()}. */
    public static <T> FiberLocal<T> withInitial(Supplier<? extends T> initial) {
        return new FiberLocal<>(Objects.requireNonNull(initial, "initial"));
    }

    /** This fiber's value (the initial value the first time, and after {@link #remove()}). */
    @SuppressWarnings("unchecked")
    public T get() {
        Fiber f = Fiber.current();
        Cell c = cellOf(f);
        if (c != null) {
            return (T) c.value;
        }
        T init = initial.get();
        set(f, init);
        return init;
    }

    /** Sets this fiber's value ({@code null} is a value). */
    public void set(T value) {
        set(Fiber.current(), value);
    }

    /** Forgets this fiber's value; the next get() computes the initial value again. */
    public void remove() {
        Fiber f = Fiber.current();
        Cell c = cellOf(f);
        if (c != null) {
            f.extras.locals[id] = null;
            unlist(c);
        }
    }

    private Cell cellOf(Strand f) {
        FiberExtras x = f.extras;
        Object[] l = x == null ? null : x.locals;
        if (l != null && id < l.length && l[id] instanceof WeakReference<?> r && r.get() instanceof Cell c) {
            assert c.owner == this : "a fiber's slot " + id + " holds a cell of another FiberLocal";
            return c;
        }
        return null; // never set, removed, or left by a collected FiberLocal whose id this one reuses
    }

    private void set(Strand f, T value) {
        Cell c = cellOf(f);
        if (c != null) {
            c.value = value;
            return;
        }
        dropLostCells();
        c = new Cell(f, this, value);
        list(c);
        FiberExtras x = FiberExtras.of(f);
        Object[] l = x.locals;
        if (l == null) {
            l = new Object[Math.max(4, id + 1)];
            x.locals = l;
        } else if (id >= l.length) {
            l = Arrays.copyOf(l, Math.max(id + 1, l.length * 2));
            x.locals = l;
        }
        l[id] = new WeakReference<>(c);
    }

    private void list(Cell c) {
        synchronized (cells) {
            c.prev = cells.prev;
            c.next = cells;
            cells.prev.next = c;
            cells.prev = c;
        }
    }

    private void unlist(Cell c) {
        c.clear(); // no longer tracks its fiber: never enqueued
        synchronized (cells) {
            if (c.prev != null) {
                c.prev.next = c.next;
                c.next.prev = c.prev;
                c.prev = null;
                c.next = null;
            }
        }
    }

    /** How many fibers have a value of this local now (for tests). */
    int cellCount() {
        dropLostCells();
        synchronized (cells) {
            int n = 0;
            for (Cell c = cells.next; c != cells; c = c.next) {
                n++;
            }
            return n;
        }
    }
}
