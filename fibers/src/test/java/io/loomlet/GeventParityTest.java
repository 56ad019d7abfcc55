package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Where Loomlet now behaves as greenlet's and gevent's own tests expect (issue #9, first items). */
class GeventParityTest extends HubTestBase {

    @Test
    void fiberExitThrownIntoADeadFiberReturnsQuietly() {
        Fiber f = new Fiber(v -> "done");
        assertEquals("done", f.switchTo());
        assertTrue(f.isDead());
        FiberExit exit = new FiberExit();
        assertSame(exit, f.throwInto(exit), "greenlet: throw(GreenletExit) on a dead greenlet returns");
        // anything else still goes to the parent: here the caller, so it is raised
        assertThrows(IllegalStateException.class, () -> f.throwInto(new IllegalStateException("to the parent")));
    }

    @Test
    void nullCallbacksAreRefusedAtTheCall() {
        Task<String> t = Fibers.spawn(() -> "x");
        AsyncResult<String> r = new AsyncResult<>();
        for (Runnable call : List.<Runnable>of(() -> t.link(null), () -> t.linkValue(null), () -> t.linkException(null),
                () -> t.unlink(null), () -> r.link(null), () -> r.unlink(null))) {
            NullPointerException e = assertThrows(NullPointerException.class, call::run);
            assertTrue(String.valueOf(e.getMessage()).contains("callback"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> new Group().add(null));
        assertTrue(reported.isEmpty(), "nothing failed later inside the hub: " + reported);
    }

    @Test
    void unlinkingACallbackWhileTheCallbacksRunStopsIt() {
        for (boolean task : new boolean[] {false, true}) {
            Trace trace = new Trace();
            AsyncResult<String> r = new AsyncResult<>();
            Task<String> t = Fibers.spawn(() -> new io.loomlet.sync.Event().await() ? "never" : "never");
            Consumer<Object> second = x -> trace.add("second");
            Consumer<Object> first = x -> {
                trace.add("first");
                if (task) {
                    t.unlink(second);
                } else {
                    r.unlink(second);
                }
            };
            if (task) {
                t.link(first);
                t.link(second);
                t.kill();
            } else {
                r.link(first);
                r.link(second);
                r.set("now");
            }
            Fibers.sleep(Duration.ZERO);
            Fibers.sleep(Duration.ZERO);
            assertEquals("first", trace.toString(), task ? "Task" : "AsyncResult");
        }
    }

    @Test
    void addingToAFullPoolWaitsForASlot() {
        Pool pool = new Pool(1);
        io.loomlet.sync.Event release = new io.loomlet.sync.Event();
        pool.spawn(() -> {
            release.await();
        });
        Task<Void> other = Fibers.spawn(() -> Fibers.sleep(Duration.ofMillis(20)));
        Task<Void> adder = Fibers.spawn(() -> pool.add(other));
        Fibers.sleep(Duration.ofMillis(5));
        assertFalse(adder.isReady(), "add waits while the pool is full");
        assertEquals(1, pool.size(), "the pool never holds more than its size");
        release.set();
        adder.join();
        assertTrue(pool.contains(other) || other.isReady());
        assertTrue(pool.size() <= 1);
    }

    @Test
    void killAllRaisesWhenATaskOutlivesTheTimeoutAndGroupKillNeverThrowsTwice() {
        Trace trace = new Trace();
        Fibers.Action slowToDie = () -> {
            try {
                Fibers.sleep(Duration.ofHours(1));
            } finally {
                Fibers.sleep(Duration.ofMillis(100)); // a second FiberExit here would cut this short
                trace.add("finally done");
            }
        };
        Task<Void> t = Fibers.spawn(slowToDie);
        Fibers.sleep(Duration.ZERO);
        FiberTimeoutException e = assertThrows(FiberTimeoutException.class,
                () -> Fibers.killAll(List.of(t), true, Duration.ofMillis(20)));
        assertTrue(e.getMessage().contains("1 of 1"), e.getMessage());
        t.join();
        assertEquals("finally done", trace.toString());

        Trace trace2 = new Trace();
        Group g = new Group();
        g.spawn(() -> {
            try {
                Fibers.sleep(Duration.ofHours(1));
            } finally {
                Fibers.sleep(Duration.ofMillis(100));
                trace2.add("finally done");
            }
        });
        Fibers.sleep(Duration.ZERO);
        g.kill(true, Duration.ofMillis(20)); // gevent's Group.kill does not raise its own timeout
        assertEquals(1, g.size());
        g.kill(true, null); // the member is dying: no second FiberExit
        assertEquals("finally done", trace2.toString());
        assertEquals(0, g.size());
    }
}
