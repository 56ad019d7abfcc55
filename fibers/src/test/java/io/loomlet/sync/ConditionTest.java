package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.AsyncResult;
import io.loomlet.Fiber;
import io.loomlet.FiberExit;
import io.loomlet.Fibers;
import io.loomlet.HubGroup;
import io.loomlet.HubTestBase;
import io.loomlet.LoopExit;
import io.loomlet.Task;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: {@link Condition} (threading.Condition with Java's names) bound to a Lock or an RLock;
 * and the try-with-resources idiom ({@link Held}) and default permits of the locks and semaphores.
 */
class ConditionTest extends HubTestBase {

    @Test
    void aConsumerWaitsForAProducersSignalAndHoldsTheLockAgain() throws Exception {
        Lock lock = new Lock();
        Condition notEmpty = new Condition(lock);
        ArrayDeque<String> queue = new ArrayDeque<>();
        Task<String> consumer = Fibers.spawn(() -> {
            try (Held held = lock.hold()) {
                while (queue.isEmpty()) {
                    Switches.assertOthersRan(() -> notEmpty.await());
                    assertSame(Fiber.current(), lock.owner(), "holds the lock again after the wait");
                }
                return queue.poll();
            }
        });
        Fibers.sleep(5);
        assertEquals(1, notEmpty.waiters());
        assertFalse(lock.isLocked(), "the waiter let go of the lock");
        try (Held held = lock.hold()) {
            queue.add("item");
            notEmpty.signal();
            Fibers.sleep(5);
            assertFalse(consumer.isReady(), "signalled, but it needs the lock, which is still held here");
        }
        assertEquals("item", consumer.get(Duration.ofSeconds(5)));
        assertFalse(lock.isLocked());
    }

    @Test
    void signalWakesOneAndSignalAllEveryWaiterInOrder() {
        Lock lock = new Lock();
        Condition c = new Condition(lock);
        List<Integer> woke = new ArrayList<>();
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            ts.add(Fibers.spawn(() -> {
                try (Held held = lock.hold()) {
                    c.await();
                    woke.add(n);
                }
            }));
        }
        Fibers.sleep(Duration.ZERO);
        assertEquals(4, c.waiters());
        try (Held held = lock.hold()) {
            c.signal();
        }
        Fibers.sleep(5);
        assertEquals(List.of(0), woke);
        try (Held held = lock.hold()) {
            c.signalAll();
        }
        Fibers.joinAll(ts);
        assertEquals(List.of(0, 1, 2, 3), woke);
    }

    @Test
    void aTimedAwaitGivesUpHoldingTheLockAgainAndAwaitUntilChecksThePredicate() {
        RLock lock = new RLock();
        Condition c = new Condition(lock);
        lock.acquire();
        lock.acquire(); // held twice: await lets go of both and takes both back
        long start = System.nanoTime();
        assertFalse(c.await(Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - start >= 20_000_000L);
        assertSame(Fiber.current(), lock.owner());
        assertEquals(2, lock.holdCount());
        int[] value = {0};
        Task<Void> setter = Fibers.spawn(() -> {
            for (int i = 1; i <= 3; i++) {
                Fibers.sleep(2);
                try (Held held = lock.hold()) {
                    value[0] = i;
                    c.signalAll();
                }
            }
        });
        assertTrue(c.awaitUntil(() -> value[0] == 3, Duration.ofSeconds(5)));
        assertEquals(2, lock.holdCount());
        assertFalse(c.awaitUntil(() -> value[0] == 4, Duration.ofMillis(10)), "the time passed first");
        lock.release();
        lock.release();
        setter.join();
    }

    @Test
    void usedWithoutHoldingTheLockIsRefused() {
        Lock lock = new Lock();
        Condition c = new Condition(lock);
        for (Runnable call : List.<Runnable>of(c::await, () -> c.await(Duration.ZERO), c::signal, c::signalAll,
                () -> c.awaitUntil(() -> true, null))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("does not hold"), e.getMessage());
        }
        lock.acquire();
        Task<Void> other = Fibers.spawn(c::signal); // held, but by another fiber
        assertTrue(assertThrows(IllegalStateException.class, other::get).getMessage().contains("does not hold"));
        assertThrows(NullPointerException.class, () -> new Condition(null));
        assertThrows(NullPointerException.class, () -> c.awaitUntil(null, null));
        assertThrows(IllegalArgumentException.class, () -> c.await(Duration.ofMillis(-1)));
        assertSame(Fiber.current(), lock.owner(), "refused calls left the lock as it was");
    }

    @Test
    void aWaiterKilledAfterItWasSignalledPassesTheSignalOn() {
        Lock lock = new Lock();
        Condition c = new Condition(lock);
        Task<Boolean> first = Fibers.spawn(() -> {
            try (Held held = lock.hold()) {
                return c.await(Duration.ofSeconds(5));
            }
        });
        Task<Boolean> second = Fibers.spawn(() -> {
            try (Held held = lock.hold()) {
                return c.await(Duration.ofSeconds(5));
            }
        });
        Fibers.sleep(Duration.ZERO);
        Fibers.spawn(() -> {
            try (Held held = lock.hold()) {
                c.signal(); // to `first`, which has not run since
                first.kill(new FiberExit(), false, null);
            }
        }).join();
        assertTrue(second.get(Duration.ofSeconds(2)), "the signal went on to `second`");
        first.join();
        assertTrue(first.isKilled());
        assertFalse(lock.isLocked(), "the killed waiter took the lock back and its try-with-resources let go");
    }

    @Test
    void aConditionWaitNobodyCanSignalOnOneHubIsLoopExit() {
        Lock lock = new Lock();
        Condition c = new Condition(lock);
        Task<Void> waiter = Fibers.spawn(() -> {
            try (Held held = lock.hold()) {
                c.await();
            }
        });
        assertThrows(LoopExit.class, waiter::join);
        try (Held held = lock.hold()) {
            c.signal();
        }
        waiter.join();
        assertTrue(waiter.isSuccessful());
    }

    @Test
    void aWaiterOfAnotherHubIsSignalledFromHere() throws Exception {
        Lock lock = new Lock();
        Condition ready = new Condition(lock);
        boolean[] flag = {false};
        try (HubGroup group = new HubGroup(1)) {
            Task<String> far = group.spawnOn(0, () -> {
                try (Held held = lock.hold()) {
                    while (!flag[0]) {
                        ready.await();
                    }
                    return Thread.currentThread().getName();
                }
            });
            long end = System.nanoTime() + 10_000_000_000L;
            while (ready.waiters() == 0 && System.nanoTime() < end) {
                Fibers.sleep(1);
            }
            try (Held held = lock.hold()) {
                flag[0] = true;
                ready.signal();
            }
            assertEquals("loomlet-hub-0", far.get(Duration.ofSeconds(10)));
        }
    }

    @Test
    void heldReleasesOnceAndTimedHoldsRaise() throws Exception {
        Lock lock = new Lock();
        Held h = lock.hold();
        h.close();
        h.close(); // a second close does nothing: no "cannot release" error
        assertFalse(lock.isLocked());
        Semaphore s = new Semaphore(); // one permit, gevent's default
        assertEquals(1, s.availablePermits());
        Held p = s.hold();
        p.close();
        p.close();
        assertEquals(1, s.availablePermits(), "released once");
        BoundedSemaphore b = new BoundedSemaphore();
        assertEquals(1, b.availablePermits());
        try (Held held = b.hold()) {
            assertEquals(0, b.availablePermits());
        }
        assertEquals(1, b.availablePermits());

        AsyncResult<Void> holding = new AsyncResult<>();
        Task<Void> holder = Fibers.spawn(() -> {
            try (Held held = lock.hold(); Held permit = s.hold(Duration.ofSeconds(1))) {
                holding.set(null);
                Fibers.sleep(Duration.ofHours(1));
            }
        });
        holding.get();
        long start = System.nanoTime();
        io.loomlet.FiberTimeoutException e = assertThrows(io.loomlet.FiberTimeoutException.class,
                () -> lock.hold(Duration.ofMillis(10)));
        assertTrue(e.getMessage().contains("Lock.hold"), e.getMessage());
        assertTrue(System.nanoTime() - start >= 10_000_000L);
        e = assertThrows(io.loomlet.FiberTimeoutException.class, () -> s.hold(Duration.ZERO));
        assertTrue(e.getMessage().contains("Semaphore.hold"), e.getMessage());
        holder.kill();
        assertFalse(lock.isLocked());
        assertEquals(1, s.availablePermits());
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
        assertThrows(IllegalArgumentException.class, () -> new BoundedSemaphore(-1));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> new Semaphore(Integer.MAX_VALUE));
        assertTrue(tooMany.getMessage().contains("permits must be between 0 and"), tooMany.getMessage());
    }
}
