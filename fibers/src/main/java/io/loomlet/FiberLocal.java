package io.loomlet;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A value per fiber: the fiber-safe twin of {@link ThreadLocal}. All fibers of a hub share one
 * carrier thread, so a ThreadLocal is shared by all of them; a FiberLocal is not. The root fiber
 * has its own values too. Values go away when their fiber dies.
 *
 * @param <T> the value's type
 */
public class FiberLocal<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final Object UNSET = new Object();
    private final int id = NEXT.getAndIncrement();
    private final Supplier<? extends T> initial;

    public FiberLocal() {
        this(() -> null);
    }

    private FiberLocal(Supplier<? extends T> initial) {
        this.initial = initial;
    }

    /** A FiberLocal whose first {@link #get()} in each fiber returns {@code initial.get()}. */
    public static <T> FiberLocal<T> withInitial(Supplier<? extends T> initial) {
        return new FiberLocal<>(Objects.requireNonNull(initial, "initial"));
    }

    /** This fiber's value (the initial value the first time). */
    @SuppressWarnings("unchecked")
    public T get() {
        Fiber f = Fiber.current();
        Object[] l = f.locals;
        Object v = l != null && id < l.length ? l[id] : null;
        if (v == null || v == UNSET) {
            T init = initial.get();
            set(f, init);
            return init;
        }
        return v == NULL ? null : (T) v;
    }

    private static final Object NULL = new Object();

    public void set(T value) {
        set(Fiber.current(), value);
    }

    private void set(Fiber f, T value) {
        Object[] l = f.locals;
        if (l == null) {
            l = new Object[Math.max(8, id + 1)];
            f.locals = l;
        } else if (id >= l.length) {
            l = Arrays.copyOf(l, Math.max(id + 1, l.length * 2));
            f.locals = l;
        }
        l[id] = value == null ? NULL : value;
    }

    /** Forgets this fiber's value; the next get() computes the initial value again. */
    public void remove() {
        Object[] l = Fiber.current().locals;
        if (l != null && id < l.length) {
            l[id] = UNSET;
        }
    }
}
