package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Issue #9.4: a FiberLocal's values live no longer than the FiberLocal or their fiber, and a fiber's
 * storage does not grow with the number of FiberLocals ever created. GC is polled: {@code System.gc()}
 * and a short sleep, for at most 20 s.
 */
class FiberLocalTest extends HubTestBase {

    /** Polls the GC until {@code done} holds, at most 20 s; the caller's fiber keeps running (no park). */
    private static boolean gcUntil(BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            System.gc();
            Thread.sleep(10); // blocks the hub's thread: no other fiber runs, this one stays running
        }
        return true;
    }

    private static int alive(List<WeakReference<Object>> refs) {
        int n = 0;
        for (WeakReference<Object> r : refs) {
            if (r.get() != null) {
                n++;
            }
        }
        return n;
    }

    @Test
    void valuesGoWithTheirFiberLocalWhileTheFiberRuns() {
        Task<Integer> t = Fibers.spawn(() -> {
            List<WeakReference<Object>> values = new ArrayList<>();
            List<FiberLocal<Object>> locals = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                FiberLocal<Object> l = new FiberLocal<>();
                Object v = new byte[64];
                l.set(v);
                assertSame(v, l.get());
                values.add(new WeakReference<>(v));
                locals.add(l);
            }
            Fiber me = Fiber.current();
            locals.clear(); // the locals are unreachable now; this fiber runs on
            boolean collected = gcUntil(() -> alive(values) == 0);
            assertTrue(!me.isDead() && me == Fiber.current(), "the fiber ran on meanwhile");
            return collected ? 0 : alive(values);
        });
        assertEquals(0, t.get(), "values still reachable after their FiberLocals were dropped");
    }

    @Test
    void aValueThatRefersToItsOwnLocalDoesNotKeepItAlive() throws Exception {
        WeakReference<FiberLocal<Object>> local = makeSelfReferringLocal();
        assertTrue(gcUntil(() -> local.get() == null), "the FiberLocal was kept alive by its own value");
    }

    private static WeakReference<FiberLocal<Object>> makeSelfReferringLocal() {
        FiberLocal<Object> l = new FiberLocal<>();
        l.set(List.of(l)); // in the root: a fiber that lives on
        return new WeakReference<>(l);
    }

    @Test
    void valuesGoWhenTheirFiberDies() throws Exception {
        FiberLocal<Object> l = new FiberLocal<>();
        List<WeakReference<Object>> values = new ArrayList<>();
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ts.add(Fibers.spawn(() -> {
                Object v = new Object();
                l.set(v);
                values.add(new WeakReference<>(v));
                Fibers.sleep(5);
            }));
        }
        Fibers.sleep(1);
        assertEquals(3, l.cellCount(), "three fibers hold a value");
        Fibers.joinAll(ts);
        assertEquals(0, l.cellCount(), "the dead fibers' values were dropped from the FiberLocal");
        assertTrue(gcUntil(() -> alive(values) == 0));
        l.set("root's");
        assertEquals("root's", l.get(), "the FiberLocal itself is still in use");
    }

    @Test
    void theRootsValuesGoWhenItsHubClosesOrItsThreadEnds() throws Exception {
        FiberLocal<Object> l = new FiberLocal<>();
        Thread closing = new Thread(() -> {
            l.set("in a root");
            Fibers.run(() -> {
                Hub.current().callSoon(() -> l.set("in the hub's callbacks"));
                Fibers.sleep(1);
                return null;
            });
            Hub.current().close();
        });
        closing.start();
        closing.join();
        assertEquals(0, l.cellCount(), "a closed hub drops its root's and its callbacks' values");

        WeakReference<Object>[] value = makeValueOnAThread(l);
        // cellCount first: like a new FiberLocal or a first set, it drops the cells of collected fibers
        assertTrue(gcUntil(() -> l.cellCount() == 0 && value[0].get() == null),
                "a thread that ended without closing its hub: its root's value is dropped once it is collected");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static WeakReference<Object>[] makeValueOnAThread(FiberLocal<Object> l) throws InterruptedException {
        WeakReference<Object>[] ref = new WeakReference[1];
        Thread t = new Thread(() -> {
            Object v = new Object();
            l.set(v);
            ref[0] = new WeakReference<>(v);
        });
        t.start();
        t.join();
        return ref;
    }

    @Test
    void aFibersStorageIsBoundedByTheLocalsAliveAtOnce() {
        Task<Integer> t = Fibers.spawn(() -> {
            for (int round = 0; round < 20; round++) {
                List<WeakReference<Object>> values = new ArrayList<>();
                List<FiberLocal<Object>> locals = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    FiberLocal<Object> l = FiberLocal.withInitial(() -> "initial");
                    // a new local that reuses a freed id never sees the old local's value
                    assertEquals("initial", l.get(), "round " + round + ", local " + i);
                    Object v = new Object();
                    l.set(v);
                    values.add(new WeakReference<>(v));
                    locals.add(l);
                }
                locals.clear();
                assertTrue(gcUntil(() -> alive(values) == 0), "round " + round);
                Thread.sleep(20); // the ids are freed once the reference handler enqueued them
            }
            return Fiber.current().extras.locals.length;
        });
        int slots = t.get();
        // 20,000 FiberLocals were created, at most about 1,000 alive at once: ids were reused
        assertTrue(slots <= 4096, "a fiber's slots: " + slots);
    }

    @Test
    void nullIsAValueAndRemoveGoesBackToTheInitialValue() {
        FiberLocal<String> l = FiberLocal.withInitial(() -> "init");
        assertEquals("init", l.get());
        l.set(null);
        assertNull(l.get());
        assertEquals(1, l.cellCount());
        l.remove();
        assertEquals(0, l.cellCount(), "remove drops the value");
        assertEquals("init", l.get());
        l.remove();
        l.remove(); // twice: harmless
        assertNull(new FiberLocal<String>().get());
        assertEquals("initial",
                assertThrows(NullPointerException.class, () -> FiberLocal.withInitial(null)).getMessage());
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void anInitialValueThatReadsItsOwnLocal() {
        FiberLocal<Integer>[] self = new FiberLocal[1];
        int[] calls = {0};
        self[0] = FiberLocal.withInitial(() -> ++calls[0] == 1 ? self[0].get() + 1 : 10);
        assertEquals(11, self[0].get());
        assertEquals(11, self[0].get(), "computed once");
        assertEquals(1, self[0].cellCount());
    }
}
