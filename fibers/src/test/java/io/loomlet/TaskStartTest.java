package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: a task made unstarted ({@code Fibers.newTask}, gevent's {@code Greenlet(run)}) and
 * started with {@code start()} / {@code startLater(delay)}; {@code joinAll} with a count;
 * {@code killAll} with an exception.
 */
class TaskStartTest extends HubTestBase {

    @Test
    void aNewTaskRunsOnlyOnceStarted() {
        AtomicInteger runs = new AtomicInteger();
        Task<String> t = Fibers.newTask("later", () -> {
            runs.incrementAndGet();
            return "ran";
        });
        assertFalse(t.join(Duration.ofMillis(20)), "not started: joining waits");
        assertEquals(0, runs.get());
        assertFalse(t.isStarted());
        assertEquals("Task[later, pending]", t.toString());
        assertSame(t, t.start());
        t.start(); // a second start does nothing (gevent)
        assertEquals("ran", t.get());
        assertEquals(1, runs.get());
        t.start(); // nor does one after the end
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, runs.get());
    }

    @Test
    void startLaterWaitsTheDelayWhileOthersRun() throws Exception {
        Task<Long> t = Fibers.newTask(System::nanoTime);
        long asked = System.nanoTime();
        t.startLater(Duration.ofMillis(30));
        t.startLater(Duration.ZERO); // scheduled already: does nothing
        t.start(); // nor this
        long ranAt = Switches.assertOthersRan(2, () -> t.get(Duration.ofSeconds(5)));
        assertTrue(ranAt - asked >= 30_000_000L, "started after " + (ranAt - asked) / 1_000_000 + " ms");
    }

    @Test
    void aTaskKilledBeforeItStartsNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        Task<Void> unstarted = Fibers.newTask(() -> {
            runs.incrementAndGet();
        });
        unstarted.kill();
        assertTrue(unstarted.isKilled());
        unstarted.start(); // killed: does nothing
        Task<Void> delayed = Fibers.newTask(() -> {
            runs.incrementAndGet();
        }).startLater(Duration.ofMillis(5));
        delayed.kill();
        Fibers.sleep(20);
        assertEquals(0, runs.get());
        assertTrue(delayed.isKilled());
    }

    @Test
    void startFromAnotherThreadRunsOnTheTasksHub() throws Exception {
        Task<String> t = Fibers.newTask(() -> Thread.currentThread().getName());
        Task<String> later = Fibers.newTask(() -> Thread.currentThread().getName());
        Thread other = new Thread(() -> {
            t.start();
            later.startLater(Duration.ofMillis(5));
        }, "starter");
        other.start();
        other.join();
        assertEquals(Thread.currentThread().getName(), t.get(Duration.ofSeconds(5)));
        assertEquals(Thread.currentThread().getName(), later.get(Duration.ofSeconds(5)));
    }

    @Test
    void startingATaskOfAClosedHubIsRefusedAndEndsIt() throws Exception {
        AtomicReference<Task<String>> made = new AtomicReference<>();
        Thread other = new Thread(() -> {
            made.set(Fibers.newTask(() -> "never"));
            Hub.current().close();
        });
        other.start();
        other.join();
        Task<String> t = made.get();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::start);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(t.isKilled(), "its joiners do not wait for a hub that is gone");
        Task<String> u = Fibers.newTask(() -> "x");
        hub.close();
        assertThrows(IllegalStateException.class, () -> u.startLater(Duration.ofMillis(1)));
        assertTrue(u.isKilled());
    }

    @Test
    void badArgumentsAreRefusedAtTheCall() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Fibers.newTask((Callable<String>) null));
        assertTrue(e.getMessage().contains("callable"), e.getMessage());
        e = assertThrows(NullPointerException.class, () -> Fibers.newTask((Fibers.Action) null));
        assertTrue(e.getMessage().contains("action"), e.getMessage());
        Task<String> t = Fibers.newTask(() -> "x");
        assertThrows(NullPointerException.class, () -> t.startLater(null));
        assertThrows(IllegalArgumentException.class, () -> t.startLater(Duration.ofMillis(-1)));
        assertFalse(t.isReady(), "a refused startLater left it unstarted");
        assertEquals("x", t.start().get());
    }

    @Test
    void joinAllWithACountReturnsTheFirstOnesDone() throws Exception {
        Task<Integer> slow = Fibers.spawn(() -> {
            Fibers.sleep(200);
            return 3;
        });
        Task<Integer> mid = Fibers.spawn(() -> {
            Fibers.sleep(20);
            return 2;
        });
        Task<Integer> fast = Fibers.spawn(() -> 1);
        List<Task<Integer>> done = Switches.assertOthersRan(() -> Fibers.joinAll(List.of(slow, mid, fast), null, false, 2));
        assertEquals(List.of(fast, mid), done);
        assertFalse(slow.isReady());
        assertEquals(List.of(mid, fast), Fibers.joinAll(List.of(slow, mid, fast), Duration.ofMillis(5), false, 3),
                "the timeout ends it before the count; the ones done already come in the order given");
        assertEquals(List.of(), Fibers.joinAll(List.of(slow), null, false, 0));
        assertThrows(IllegalArgumentException.class, () -> Fibers.joinAll(List.of(slow), null, false, -1));
        slow.kill();
    }

    @Test
    void joinAllRaisesTheFirstFailureAmongTheCounted() {
        Task<Integer> bad = Fibers.spawn(() -> {
            Fibers.sleep(5);
            throw new IllegalStateException("bad");
        });
        Task<Integer> good = Fibers.spawn(() -> 1);
        assertEquals(List.of(good), Fibers.joinAll(List.of(bad, good), null, true, 1), "the failure came after the count");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fibers.joinAll(List.of(bad, good), null, true, 2));
        assertEquals("bad", e.getMessage());
    }

    @Test
    void killAllWithAnExceptionRaisesItInEveryTask() throws Exception {
        IllegalStateException stop = new IllegalStateException("stop");
        Task<Void> a = Fibers.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
        Task<Void> b = Fibers.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
        AtomicInteger runs = new AtomicInteger();
        Task<Void> unstarted = Fibers.newTask(() -> {
            runs.incrementAndGet();
        });
        Fibers.sleep(Duration.ZERO);
        Switches.assertSwitched(() -> Fibers.killAll(List.of(a, b, unstarted), stop));
        assertSame(stop, a.exception());
        assertSame(stop, b.exception());
        assertSame(stop, unstarted.exception());
        assertFalse(a.isKilled(), "a kill with anything but FiberExit is a failure");
        assertEquals(0, runs.get());
        Task<Void> c = Fibers.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
        Fibers.killAll(List.of(c), new FiberExit());
        assertTrue(c.isKilled());
        NullPointerException e = assertThrows(NullPointerException.class, () -> Fibers.killAll(List.of(c), (Throwable) null));
        assertTrue(e.getMessage().contains("exception"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Fibers.killAll(List.of(c), new FiberExit(), true, Duration.ofMillis(-1)));
        reported.clear(); // the unjoined failures were reported: that is the hub's job, not this test's
    }
}
