package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loomlet.sync.BoundedSemaphore;
import io.loomlet.sync.Event;
import io.loomlet.sync.Lock;
import io.loomlet.sync.RLock;
import io.loomlet.sync.Semaphore;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: Event, AsyncResult, Semaphore, BoundedSemaphore and Lock shared between hubs, plain
 * threads and a hub's virtual threads (gevent 21+): waiters of several hubs, set and release from
 * any thread, the wake of another hub's waiter delivered through that hub's inbox. The stress side
 * is {@link SharedPrimitivesStressTest}.
 */
class SharedPrimitivesTest extends HubTestBase {

    /** Runs this hub until {@code waiters} reaches {@code n} (the waiters of other hubs park on their own). */
    static void awaitWaiters(IntSupplier waiters, int n) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (waiters.getAsInt() < n) {
            if (System.nanoTime() > end) {
                fail("waiters never reached " + n + ": " + waiters.getAsInt());
            }
            Fibers.sleep(1);
        }
    }

    @Test
    void anEventWakesWaitersOfSeveralHubsWhenAPlainThreadSetsIt() throws Exception {
        Event e = new Event();
        try (HubGroup group = new HubGroup(2)) {
            List<Task<String>> waiters = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                waiters.add(group.spawnOn(i, () -> e.await(Duration.ofSeconds(10)) ? Thread.currentThread().getName() : "timed out"));
            }
            waiters.add(Fibers.spawn(() -> Switches.assertOthersRan(() -> e.await(Duration.ofSeconds(10))) ? "here" : "timed out"));
            awaitWaiters(e::waiters, 3);
            for (int i = 0; i < 2; i++) {
                assertTrue(HubTest.awaitAsleep(group.hub(i)), "hub " + i + " sleeps: only its inbox can wake it");
            }
            Thread setter = new Thread(e::set, "setter");
            setter.start();
            List<String> woke = new ArrayList<>();
            for (Task<String> t : waiters) {
                woke.add(t.get(Duration.ofSeconds(10)));
            }
            assertEquals(List.of("loomlet-hub-0", "loomlet-hub-1", "here"), woke);
            assertEquals(0, e.waiters());
            setter.join();
        }
    }

    @Test
    void anEventSetByAnotherHubsFiberOrClearedFromAnyThread() throws Exception {
        Event e = new Event();
        try (HubGroup group = new HubGroup(1)) {
            Task<Boolean> waiter = Fibers.spawn(() -> e.await(Duration.ofSeconds(10)));
            awaitWaiters(e::waiters, 1);
            group.spawnOn(0, Fibers.callable(() -> {
                Fibers.sleep(1);
                e.set();
            })).get(Duration.ofSeconds(10));
            assertTrue(waiter.get(Duration.ofSeconds(10)));
            Thread clearer = new Thread(e::clear);
            clearer.start();
            clearer.join();
            assertFalse(e.isSet());
            assertFalse(e.await(Duration.ofMillis(5)), "cleared: waits again");
        }
    }

    @Test
    void aSemaphoreReleasedByAThreadThatNeverTouchedItWakesTheRootAndIsNoLoopExit() throws Exception {
        Semaphore s = new Semaphore(0);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                return;
            }
            s.release();
        }, "releaser");
        releaser.start();
        // Nothing else on this hub, no timeout: a wait taken for a hopeless one would raise LoopExit here.
        s.acquire();
        releaser.join();
        assertEquals(0, s.availablePermits());
    }

    @Test
    void semaphoreWaitersOfOtherHubsAreReleasedFromAnyThreadAndOthersRunMeanwhile() throws Exception {
        Semaphore s = new Semaphore(0);
        try (HubGroup group = new HubGroup(2)) {
            List<Task<Boolean>> far = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                far.add(group.spawnOn(i, () -> s.acquire(Duration.ofSeconds(10))));
            }
            Task<Boolean> near = Fibers.spawn(() -> Switches.assertOthersRan(() -> s.acquire(Duration.ofSeconds(10))));
            awaitWaiters(s::waiters, 3);
            Thread plain = new Thread(s::release);
            plain.start();
            plain.join();
            group.spawnOn(0, Fibers.callable(s::release)).get(Duration.ofSeconds(10)); // from a fiber of another hub
            s.release(); // and from here
            for (Task<Boolean> t : far) {
                assertTrue(t.get(Duration.ofSeconds(10)));
            }
            assertTrue(near.get(Duration.ofSeconds(10)));
            assertEquals(0, s.availablePermits(), "three permits, three waiters: none left over");
            assertEquals(0, s.waiters());
        }
    }

    @Test
    void aBoundedSemaphoreRefusesAnOverReleaseFromAnotherThread() throws Exception {
        BoundedSemaphore s = new BoundedSemaphore(); // one permit
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread plain = new Thread(() -> {
            try {
                s.release();
            } catch (Throwable t) {
                err.set(t);
            }
        });
        plain.start();
        plain.join();
        assertTrue(err.get() instanceof IllegalStateException, String.valueOf(err.get()));
        assertTrue(err.get().getMessage().contains("too many"), err.get().getMessage());
        assertEquals(1, s.availablePermits());
    }

    @Test
    void aLockHeldOnAnotherHubIsHandedToAWaiterHereThroughTheInbox() throws Exception {
        Lock l = new Lock();
        Event go = new Event();
        try (HubGroup group = new HubGroup(1)) {
            AsyncResult<Fiber> holding = new AsyncResult<>();
            Task<Void> far = group.spawnOn(0, Fibers.callable(() -> {
                l.acquire();
                holding.set(Fiber.current());
                go.await();
                l.release();
            }));
            assertSame(holding.get(Duration.ofSeconds(10)), l.owner());
            Task<Fiber> near = Fibers.spawn(() -> {
                Switches.assertOthersRan(() -> l.acquire());
                Fiber me = Fiber.current();
                assertSame(me, l.owner());
                l.release();
                return me;
            });
            awaitWaiters(l::waiters, 1);
            go.set(); // the far fiber releases on its hub; the lock comes here through this hub's inbox
            assertTrue(near.get(Duration.ofSeconds(10)).name().startsWith("task-"));
            far.get(Duration.ofSeconds(10));
            assertFalse(l.isLocked());
            assertEquals(0, l.waiters());
        }
    }

    @Test
    void aPlainThreadMayHoldALockAndHandItToTheRoot() throws Exception {
        RLock l = new RLock();
        CountDownLatch held = new CountDownLatch(1);
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread plain = new Thread(() -> {
            try {
                l.acquire();
                l.acquire();
                held.countDown();
                Thread.sleep(30);
                l.release();
                l.release();
            } catch (Throwable t) {
                err.set(t);
            }
        }, "plain holder");
        plain.start();
        held.await();
        assertEquals(2, l.holdCount());
        assertThrows(IllegalStateException.class, l::release, "only the owner releases, across threads too");
        // The lock was used from two threads: this wait can be ended from the other, so it is no LoopExit.
        l.acquire();
        assertSame(Fiber.current(), l.owner());
        assertEquals(1, l.holdCount());
        l.release();
        plain.join();
        assertEquals(null, err.get());
    }

    @Test
    void aLockUsedByOneHubOnlyStillRaisesLoopExitOnADeadlock() {
        Lock l = new Lock();
        l.acquire(); // the root holds it and then waits for a fiber that waits for it
        Task<Boolean> t = Fibers.spawn(() -> l.acquire(null));
        LoopExit e = assertThrows(LoopExit.class, t::join);
        assertTrue(e.getMessage().contains("would block forever"), e.getMessage());
        l.release(); // nothing was lost: the waiter gets the lock
        assertTrue(t.get());
        assertTrue(l.isLocked(), "the task ended holding it");
    }

    @Test
    void aHubVirtualThreadReleasesSetsAndWaitsAcrossHubs() throws Exception {
        Semaphore s = new Semaphore(0);
        Lock l = new Lock();
        Event go = new Event();
        try (HubGroup group = new HubGroup(1)) {
            Task<Boolean> far = group.spawnOn(0, () -> s.acquire(Duration.ofSeconds(10)));
            AsyncResult<Void> farHolds = new AsyncResult<>();
            Task<Void> holder = group.spawnOn(0, Fibers.callable(() -> {
                l.acquire();
                farHolds.set(null);
                go.await();
                l.release();
            }));
            farHolds.get(Duration.ofSeconds(10));
            awaitWaiters(s::waiters, 1);
            AsyncResult<String> vt = new AsyncResult<>();
            hub.virtualThreadBuilder().start(() -> {
                try {
                    s.release(); // wakes the far hub's fiber through its inbox
                    go.set(); // lets the far holder release the lock
                    boolean got = l.acquire(Duration.ofSeconds(10)); // handed over from the far hub
                    boolean mine = l.owner() == Fiber.current();
                    l.release();
                    vt.set(got + " " + mine);
                } catch (Throwable t) {
                    vt.setException(t);
                }
            });
            assertEquals("true true", vt.get(Duration.ofSeconds(10)));
            assertTrue(far.get(Duration.ofSeconds(10)));
            holder.get(Duration.ofSeconds(10));
            assertFalse(l.isLocked());
        }
    }

    @Test
    void anAsyncResultSetOnAnotherHubWakesWaitersOfTwoHubs() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        try (HubGroup group = new HubGroup(2)) {
            Task<String> far = group.spawnOn(0, () -> r.get(Duration.ofSeconds(10)));
            Task<String> near = Fibers.spawn(() -> Switches.assertOthersRan(() -> r.get(Duration.ofSeconds(10))));
            Fibers.sleep(5);
            group.spawnOn(1, () -> r.set("from hub 1"));
            assertEquals("from hub 1", near.get(Duration.ofSeconds(10)));
            assertEquals("from hub 1", far.get(Duration.ofSeconds(10)));
        }
    }
}
