package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** FiberLocal, the thread pool, HubGroup: what crosses (or must not cross) threads. */
class ThreadsTest extends HubTestBase {

    @Test
    void fiberLocalIsPerFiberWhileThreadLocalIsShared() {
        FiberLocal<String> fl = FiberLocal.withInitial(() -> "init");
        ThreadLocal<String> tl = new ThreadLocal<>();
        List<String> seen = new ArrayList<>();
        List<Task<Void>> ts = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            ts.add(Fibers.spawn(() -> {
                fl.set(name);
                tl.set(name);
                Fibers.sleep(5); // the other fiber sets both meanwhile
                seen.add(name + ": fiber-local " + fl.get() + ", thread-local " + tl.get());
            }));
        }
        Fibers.joinAll(ts);
        assertEquals(List.of("a: fiber-local a, thread-local b", "b: fiber-local b, thread-local b"), seen);
        assertEquals("init", fl.get(), "the root has its own value");
        fl.set(null);
        assertNull(fl.get());
        fl.remove();
        assertEquals("init", fl.get());
    }

    @Test
    void runInThreadParksOnlyTheCallingFiber() throws Exception {
        String r = Switches.assertOthersRan(2, () -> Fibers.runInThread(() -> {
            Thread.sleep(60); // a real blocking call, on a pool thread; the ticker sleeps 1 ms a tick
            return Thread.currentThread().getName();
        }));
        assertTrue(r.startsWith("loomlet-pool-"), r);
        assertThrows(IllegalStateException.class, () -> Fibers.runInThread(() -> {
            throw new IllegalStateException("in pool");
        }));
    }

    @Test
    void threadPoolBoundsConcurrencyAndKillStopsTheWait() {
        try (ThreadPool pool = new ThreadPool(2)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            int[] max = {0};
            AtomicInteger now = new AtomicInteger();
            List<Task<Integer>> ts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ts.add(Fibers.spawn(() -> pool.apply(() -> {
                    int n = now.incrementAndGet();
                    synchronized (max) {
                        max[0] = Math.max(max[0], n);
                    }
                    threads.add(Thread.currentThread().getName());
                    Thread.sleep(10);
                    now.decrementAndGet();
                    return 1;
                })));
            }
            Fibers.joinAll(ts);
            assertEquals(2, max[0]);
            assertTrue(threads.size() <= 2);
            Task<Integer> stuck = Fibers.spawn(() -> pool.apply(() -> {
                Thread.sleep(10_000);
                return 0;
            }));
            Fibers.sleep(10);
            long start = System.nanoTime();
            stuck.kill();
            assertTrue(stuck.isKilled());
            assertTrue(System.nanoTime() - start < 2_000_000_000L);
        }
    }

    @Test
    void hubGroupSpreadsTasksAndJoinsAcrossThreads() throws Exception {
        try (HubGroup g = new HubGroup(2)) {
            List<Task<String>> ts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ts.add(g.spawn(() -> {
                    Fibers.sleep(10);
                    return Thread.currentThread().getName();
                }));
            }
            // joined from a fiber of this thread: only that fiber parks
            Set<String> threads = new HashSet<>();
            for (Task<String> x : Switches.assertOthersRan(() -> Fibers.joinAll(ts))) {
                threads.add(x.get());
            }
            assertEquals(Set.of("loomlet-hub-0", "loomlet-hub-1"), threads);
            // from a plain thread with no hub of its own yet
            Task<Integer> remote = g.spawn(() -> 7);
            int[] got = {0};
            Thread plain = new Thread(() -> got[0] = remote.get());
            plain.start();
            plain.join();
            assertEquals(7, got[0]);
            // cross-thread kill
            Task<Void> sleeper = g.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
            Fibers.sleep(10);
            sleeper.kill();
            assertTrue(sleeper.isKilled());
            assertNotEquals(Thread.currentThread(), g.hub(0).thread());
        }
    }

    @Test
    void hubGroupCloseKillsRemainingTasks() {
        HubGroup g = new HubGroup(1);
        Trace t = new Trace();
        Task<Void> s = g.spawn(() -> {
            try {
                Fibers.sleep(Duration.ofHours(1));
            } finally {
                synchronized (t) {
                    t.add("finally on " + Thread.currentThread().getName());
                }
            }
        });
        Fibers.sleep(20);
        g.close();
        assertTrue(s.isKilled());
        synchronized (t) {
            assertEquals("finally on loomlet-hub-0", t.toString());
        }
        assertThrows(IllegalStateException.class, () -> g.spawn(() -> 1));
    }
}
