package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.FiberTimeoutException;
import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviour particular to each primitive (the shared part is WaitContractTest). */
class SyncTest extends HubTestBase {

    @Test
    void eventWakesEveryWaiter() {
        Event e = new Event();
        List<Task<Boolean>> ts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ts.add(Fibers.spawn(() -> e.await()));
        }
        Fibers.sleep(Duration.ZERO);
        assertEquals(3, e.waiters());
        e.set();
        for (Task<Boolean> t : Fibers.joinAll(ts)) {
            assertTrue(t.get());
        }
        assertTrue(e.await(Duration.ZERO), "set: returns at once");
        e.clear();
        assertFalse(e.await(Duration.ofMillis(10)));
    }

    @Test
    void semaphoreLimitsConcurrency() {
        Semaphore s = new Semaphore(2);
        int[] inside = {0, 0};
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ts.add(Fibers.spawn(() -> {
                s.acquire();
                try {
                    inside[0]++;
                    inside[1] = Math.max(inside[1], inside[0]);
                    Fibers.sleep(5);
                    inside[0]--;
                } finally {
                    s.release();
                }
            }));
        }
        Fibers.joinAll(ts);
        assertEquals(2, inside[1]);
        assertEquals(2, s.availablePermits());
    }

    @Test
    void boundedSemaphoreRefusesOverRelease() {
        BoundedSemaphore s = new BoundedSemaphore(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::release);
        assertTrue(e.getMessage().contains("too many"));
        s.acquire();
        s.release();
        assertEquals(1, s.availablePermits());
    }

    @Test
    void lockIsOwnedByAFiber() {
        Lock l = new Lock();
        Trace t = new Trace();
        Task<Void> a = Fibers.spawn(() -> {
            try (Held h = l.hold()) {
                t.add("a in");
                Fibers.sleep(10); // blocks while holding: b must wait, not enter
                t.add("a out");
            }
        });
        Task<Void> b = Fibers.spawn(() -> {
            try (Held h = l.hold()) {
                t.add("b in");
            }
        });
        Fibers.joinAll(a, b);
        assertEquals("a in a out b in", t.toString());
        l.acquire();
        Task<Void> thief = Fibers.spawn(l::release);
        thief.join();
        assertTrue(thief.exception() instanceof IllegalStateException, "only the owner releases");
        assertThrows(IllegalStateException.class, l::acquire, "not re-entrant");
        l.release();
    }

    @Test
    void rlockIsReentrant() {
        RLock l = new RLock();
        l.acquire();
        l.acquire();
        assertEquals(2, l.holdCount());
        Task<Boolean> other = Fibers.spawn(() -> l.acquire(Duration.ofMillis(10)));
        assertFalse(other.get());
        l.release();
        assertTrue(l.isLocked());
        l.release();
        assertFalse(l.isLocked());
        assertTrue(Fibers.spawn(() -> {
            boolean got = l.tryAcquire();
            l.release();
            return got;
        }).get());
    }

    @Test
    void queueBoundedPutWaitsAndTaskDoneJoin() {
        FiberQueue<Integer> q = new FiberQueue<>(2);
        Trace t = new Trace();
        Task<Void> producer = Fibers.spawn(() -> {
            for (int i = 0; i < 5; i++) {
                q.put(i);
                t.add("put" + i);
            }
        });
        Task<Void> consumer = Fibers.spawn(() -> {
            for (int i = 0; i < 5; i++) {
                Integer v = q.get();
                t.add("got" + v);
                q.taskDone();
            }
        });
        q.join();
        Fibers.joinAll(producer, consumer);
        assertEquals(0, q.unfinishedTasks());
        // the producer had to wait on the full queue: its third put came after a get
        assertTrue(t.events().indexOf("put2") > t.events().indexOf("got0"), t.toString());
        assertThrows(IllegalStateException.class, q::taskDone);
    }

    @Test
    void queueTimeouts() {
        FiberQueue<String> q = new FiberQueue<>(1);
        assertThrows(FiberTimeoutException.class, () -> q.get(Duration.ofMillis(5)));
        assertNull(q.poll(Duration.ofMillis(5)));
        q.put("a");
        assertFalse(q.offer("b", Duration.ofMillis(5)));
        assertThrows(FiberTimeoutException.class, () -> q.put("b", Duration.ofMillis(5)));
        assertTrue(q.isFull());
        assertEquals("a", q.peek());
        assertEquals("a", q.poll());
        assertThrows(NullPointerException.class, () -> q.put(null));
    }

    @Test
    void channelIsARendezvous() {
        Channel<String> c = new Channel<>();
        Trace t = new Trace();
        Task<Void> putter = Fibers.spawn(() -> {
            c.put("x");
            t.add("put returned");
        });
        Fibers.sleep(10);
        assertEquals("", t.toString(), "put waits for a getter");
        assertEquals(1, c.putters());
        t.add("getting");
        assertEquals("x", c.get());
        putter.join();
        assertEquals("getting put returned", t.toString());
        assertFalse(c.offer("y", Duration.ofMillis(5)), "nobody took it");
        assertEquals(0, c.putters());
    }
}
