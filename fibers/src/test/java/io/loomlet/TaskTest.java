package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.sync.Event;
import io.loomlet.sync.FiberQueue;
import io.loomlet.sync.Lock;
import io.loomlet.testing.Switches;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** gevent's Greenlet API: spawn, join, get, kill, links, joinAll, iwait. */
class TaskTest extends HubTestBase {

    @Test
    void spawnRunsConcurrentlyAndJoinReturnsValues() {
        Trace t = new Trace();
        Task<String> a = Fibers.spawn("a", () -> {
            t.add("a1");
            Fibers.sleep(20);
            t.add("a2");
            return "A";
        });
        Task<String> b = Fibers.spawn("b", () -> {
            t.add("b1");
            Fibers.sleep(10);
            t.add("b2");
            return "B";
        });
        assertFalse(a.isStarted(), "starts in the hub's next pass, like gevent");
        Fibers.joinAll(a, b);
        assertEquals("a1 b1 b2 a2", t.toString());
        assertEquals("A", a.get());
        assertEquals("B", b.value());
        assertTrue(a.isSuccessful());
        assertEquals("a", a.name());
    }

    @Test
    void sleepsOverlap() {
        long start = System.nanoTime();
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ts.add(Fibers.spawn(() -> Fibers.sleep(100)));
        }
        Fibers.joinAll(ts);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 100 && ms < 2000, "100 sleeps of 100 ms took " + ms + " ms");
    }

    @Test
    void getRaisesTheTasksException() {
        Task<Object> t = Fibers.spawn(() -> {
            throw new IllegalArgumentException("bad");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::get);
        assertEquals("bad", e.getMessage());
        assertFalse(t.isSuccessful());
        assertSame(e, t.exception());
        Task<Object> checked = Fibers.spawn(() -> {
            throw new IOException("io");
        });
        CompletionException ce = assertThrows(CompletionException.class, checked::get);
        assertEquals("io", ce.getCause().getMessage());
    }

    @Test
    void unjoinedFailureIsReportedOnceAndHubGoesOn() {
        Fibers.spawn("doomed", () -> {
            throw new IllegalStateException("nobody listens");
        });
        Task<String> after = Fibers.spawn(() -> {
            Fibers.sleep(10);
            return "still serving";
        });
        assertEquals("still serving", after.get());
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.get(0).contains("doomed"));
        assertEquals("nobody listens", reportedErrors.get(0).getMessage());
    }

    @Test
    void joinedFailureIsNotReported() {
        Task<Object> t = Fibers.spawn(() -> {
            Fibers.sleep(5);
            throw new IllegalStateException("seen by joiner");
        });
        t.join();
        assertTrue(reported.isEmpty(), reported.toString());
    }

    @Test
    void getWithTimeout() {
        Task<String> slow = Fibers.spawn(() -> {
            Fibers.sleep(1000);
            return "late";
        });
        assertThrows(FiberTimeoutException.class, () -> slow.get(Duration.ofMillis(20)));
        assertFalse(slow.join(Duration.ofMillis(10)));
        slow.kill();
    }

    @Test
    void linksRunInTheHubAfterDeath() {
        Trace t = new Trace();
        Task<String> ok = Fibers.spawn(() -> "v");
        Task<Object> bad = Fibers.spawn(() -> {
            throw new RuntimeException("e");
        });
        ok.link(x -> t.add("link ok " + x.value()));
        ok.linkValue(x -> t.add("value ok"));
        ok.linkException(x -> t.add("never"));
        bad.linkException(x -> t.add("exception " + x.exception().getMessage()));
        bad.linkValue(x -> t.add("never"));
        Fibers.joinAll(ok, bad);
        Fibers.sleep(Duration.ZERO);
        assertEquals("link ok v value ok exception e", t.toString());
        assertTrue(reported.isEmpty(), "a linked failure is observed: " + reported);
        // linking a finished task runs the callback in the next pass
        ok.link(x -> t.add("late link"));
        Fibers.sleep(Duration.ZERO);
        assertTrue(t.toString().endsWith("late link"));
    }

    @Test
    void killWakesSleeperRunsFinallyAndRemovesTimer() {
        Trace t = new Trace();
        Task<Void> s = Fibers.spawn(() -> {
            try {
                Fibers.sleep(Duration.ofHours(1));
            } finally {
                t.add("finally");
            }
        });
        Fibers.sleep(Duration.ZERO);
        s.kill();
        assertTrue(s.isKilled());
        assertTrue(s.isSuccessful(), "gevent: a killed greenlet is successful");
        assertNull(s.value());
        assertEquals("finally", t.toString());
        // its hour-long timer is gone: joining nothing now would otherwise sleep, not LoopExit
        Task<?> blocked = Fibers.spawn(() -> new FiberQueue<String>().get());
        assertThrows(LoopExit.class, blocked::join);
    }

    @Test
    void killWakesFiberParkedInLockQueueAndJoin() {
        Trace t = new Trace();
        Lock lock = new Lock();
        lock.acquire();
        FiberQueue<String> q = new FiberQueue<>();
        Task<?> forever = Fibers.spawn(() -> new Event().await());
        List<Task<?>> victims = List.of(
                Fibers.spawn(() -> {
                    try {
                        lock.acquire();
                    } finally {
                        t.add("lock");
                    }
                }),
                Fibers.spawn(() -> {
                    try {
                        return q.get();
                    } finally {
                        t.add("queue");
                    }
                }),
                Fibers.spawn(() -> {
                    try {
                        forever.join();
                    } finally {
                        t.add("join");
                    }
                }));
        Fibers.sleep(Duration.ZERO);
        Fibers.killAll(victims);
        assertEquals(List.of("lock", "queue", "join"), t.events());
        for (Task<?> v : victims) {
            assertTrue(v.isKilled(), v.toString());
        }
        assertEquals(0, lock.waiters(), "the killed waiter left the lock's wait list");
        lock.release();
        assertFalse(lock.isLocked());
        q.put("kept"); // no dead getter swallows it
        assertEquals("kept", q.get());
        forever.kill();
    }

    @Test
    void killBeforeStartNeverRuns() {
        Trace t = new Trace();
        Task<Void> a = Fibers.spawn(() -> t.add("a ran"));
        Task<Void> later = Fibers.spawnLater(Duration.ofMillis(10), () -> t.add("later ran"));
        a.kill();
        later.kill();
        Fibers.sleep(30);
        assertEquals("", t.toString());
        assertTrue(a.isKilled());
        assertTrue(later.isKilled());
    }

    @Test
    void killWithCustomExceptionFailsTheTask() {
        Task<Void> t = Fibers.spawn(() -> Fibers.sleep(1000));
        Fibers.sleep(Duration.ZERO);
        t.kill(new IllegalStateException("stop it"), true, null);
        assertEquals("stop it", t.exception().getMessage());
    }

    @Test
    void taskKillingItselfRaisesAtOnce() {
        Trace tr = new Trace();
        Task<Void> t = Fibers.spawn(() -> {
            try {
                Fibers.currentTask().kill();
                tr.add("not reached");
            } finally {
                tr.add("finally");
            }
        });
        t.join();
        assertTrue(t.isKilled());
        assertEquals("finally", tr.toString());
    }

    @Test
    void spawnLaterWaits() {
        long start = System.nanoTime();
        Task<Long> t = Fibers.spawnLater(Duration.ofMillis(50), () -> System.nanoTime());
        assertTrue(t.get() - start >= 50_000_000L);
    }

    @Test
    void joinAllTimeoutAndRaiseError() {
        Task<Integer> fast = Fibers.spawn(() -> 1);
        Task<Integer> slow = Fibers.spawn(() -> {
            Fibers.sleep(1000);
            return 2;
        });
        List<Task<Integer>> done = Fibers.joinAll(List.of(fast, slow), Duration.ofMillis(50), false);
        assertEquals(List.of(fast), done);
        Task<Integer> bad = Fibers.spawn(() -> {
            Fibers.sleep(10);
            throw new IllegalStateException("first failure");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fibers.joinAll(List.of(slow, bad), null, true));
        assertEquals("first failure", e.getMessage());
        assertFalse(slow.isReady(), "raiseError returns at the first failure");
        slow.kill();
    }

    @Test
    void iwaitYieldsInCompletionOrder() {
        List<Task<Integer>> ts = new ArrayList<>();
        for (int ms : new int[] {30, 10, 20}) {
            ts.add(Fibers.spawn(() -> {
                Fibers.sleep(ms);
                return ms;
            }));
        }
        List<Integer> order = new ArrayList<>();
        for (Task<Integer> t : Fibers.asCompleted(ts, null)) {
            order.add(t.get());
        }
        assertEquals(List.of(10, 20, 30), order);
    }

    @Test
    void iwaitTimeoutStopsIteration() {
        Task<Integer> never = Fibers.spawn(() -> {
            Fibers.sleep(10_000);
            return 0;
        });
        Task<Integer> quick = Fibers.spawn(() -> 1);
        List<Task<Integer>> got = new ArrayList<>();
        Fibers.iwait(List.of(never, quick), Duration.ofMillis(30)).forEach(got::add);
        assertEquals(List.of(quick), got);
        never.kill();
    }

    @Test
    void asyncResultSetFromAPlainThread() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        Thread setter = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            r.set("from thread");
        });
        setter.start();
        assertEquals("from thread", Switches.assertOthersRan(2, () -> r.get())); // the hub ran other fibers while waiting
        setter.join();
        assertFalse(r.set("again"), "completes once");
    }

    @Test
    void asyncResultException() {
        AsyncResult<String> r = new AsyncResult<>();
        hub.callLater(Duration.ofMillis(5), () -> r.setException(new IllegalStateException("no")));
        assertThrows(IllegalStateException.class, r::get);
        assertFalse(r.isSuccessful());
    }
}
