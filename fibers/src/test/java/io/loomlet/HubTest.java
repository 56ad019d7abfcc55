package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.sync.Event;
import io.loomlet.sync.FiberQueue;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The loop API (asyncio's names) and the hub's failure paths. */
class HubTest extends HubTestBase {

    @Test
    void callSoonRunsInOrderDuringRun() {
        Trace t = new Trace();
        hub.callSoon(() -> t.add("a"));
        hub.callSoon(() -> t.add("b"));
        hub.callSoon(hub::stop);
        hub.callSoon(() -> t.add("c")); // scheduled before stop took effect: still runs
        hub.run();
        assertEquals("a b c", t.toString());
        assertFalse(hub.isRunning());
    }

    @Test
    void callLaterAndCallAtFireInDeadlineOrder() {
        Trace t = new Trace();
        long start = System.nanoTime();
        hub.callLater(Duration.ofMillis(60), () -> {
            t.add("60");
            hub.stop();
        });
        hub.callLater(Duration.ofMillis(20), () -> t.add("20"));
        hub.callAt(hub.time() + 0.04, () -> t.add("40"));
        Handle cancelled = hub.callLater(Duration.ofMillis(30), () -> t.add("never"));
        cancelled.cancel();
        hub.run();
        assertEquals("20 40 60", t.toString());
        assertTrue(System.nanoTime() - start >= 60_000_000L);
        assertTrue(cancelled.isCancelled());
    }

    @Test
    @Timeout(10) // a lost wake-up hangs run(): fail in seconds
    void callSoonThreadsafeWakesASleepingHub() throws Exception {
        Trace t = new Trace();
        AtomicBoolean sawItAsleep = new AtomicBoolean();
        Thread other = new Thread(() -> {
            // Wait until the hub's thread is parked in pollIo (its blocker is the hub), so the
            // callback below has to wake it: a lost wake-up fails this test by the timeout.
            sawItAsleep.set(awaitAsleep(hub));
            hub.callSoonThreadsafe(() -> {
                t.add("from " + Thread.currentThread().getName());
                hub.stop();
            });
        }, "other");
        other.start();
        hub.run();
        other.join();
        assertTrue(sawItAsleep.get(), "the hub was asleep when the callback came");
        assertEquals("from " + Thread.currentThread().getName(), t.toString(), "the callback ran on the hub's thread");
    }

    @Test
    @Timeout(10) // a stop that does not wake the hub hangs run(): fail in seconds
    void stopFromAnotherThread() throws Exception {
        AtomicBoolean sawItAsleep = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            sawItAsleep.set(awaitAsleep(hub));
            hub.stop();
        });
        stopper.start();
        long start = System.nanoTime();
        hub.run(); // nothing to do: returns only because of the stop
        long ms = (System.nanoTime() - start) / 1_000_000;
        stopper.join();
        assertTrue(sawItAsleep.get(), "run() was asleep with nothing to do until the stop");
        assertFalse(hub.isRunning());
        assertTrue(ms < 5000, "run() returned soon after the stop: " + ms + " ms");
        Trace t = new Trace(); // the hub stays usable
        hub.callSoon(() -> t.add("next run"));
        hub.callSoon(hub::stop);
        hub.run();
        assertEquals("next run", t.toString());
    }

    /**
     * Waits (up to 5 s) until the hub's thread is parked in the loop's poll phase with nothing to do
     * (its inbox's sleeping flag is up and the thread waits). From another thread.
     */
    static boolean awaitAsleep(Hub h) {
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.State st = h.thread().getState();
            if ((st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING) && h.inbox.isSleeping()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    @Test
    void stopBeforeRunRunsOnePass() {
        Trace t = new Trace();
        hub.callSoon(() -> t.add("ran"));
        hub.stop();
        hub.run();
        assertEquals("ran", t.toString());
    }

    @Test
    void runReturnsTheTasksValueAndGetRunsTheLoop() {
        assertEquals(42, Fibers.run(() -> {
            Fibers.sleep(5);
            return 42;
        }));
        AsyncResult<String> r = new AsyncResult<>();
        hub.callLater(Duration.ofMillis(10), () -> r.set("set later"));
        assertEquals("set later", r.get()); // asyncio's run_until_complete
    }

    @Test
    void isRunningInsideFibersAndCallbacks() {
        AtomicBoolean inFiber = new AtomicBoolean();
        AtomicBoolean inCallback = new AtomicBoolean();
        hub.callSoon(() -> inCallback.set(hub.isRunning()));
        Fibers.spawn(() -> inFiber.set(hub.isRunning())).join();
        assertTrue(inFiber.get());
        assertTrue(inCallback.get());
        assertFalse(hub.isRunning());
    }

    @Test
    void blockingInACallbackIsRefused() {
        hub.callSoon(() -> Fibers.sleep(10));
        hub.callSoon(hub::stop);
        hub.run();
        assertEquals(1, reportedErrors.size(), reported.toString());
        assertTrue(reportedErrors.get(0) instanceof IllegalStateException);
        assertTrue(reportedErrors.get(0).getMessage().contains("callbacks must not block"));
    }

    @Test
    void failingCallbackIsReportedAndLoopGoesOn() {
        Trace t = new Trace();
        hub.callSoon(() -> {
            throw new IllegalStateException("callback bug");
        });
        hub.callSoon(() -> t.add("next callback ran"));
        hub.callSoon(hub::stop);
        hub.run();
        assertEquals("next callback ran", t.toString());
        assertEquals("callback bug", reportedErrors.get(0).getMessage());
    }

    @Test
    void runTwiceOrFromAFiberIsRefused() {
        Task<Void> t = Fibers.spawn(() -> hub.run());
        t.join();
        assertTrue(t.exception() instanceof IllegalStateException);
    }

    @Test
    void closedHubRefusesWork() {
        Hub h = hub;
        h.close();
        assertTrue(h.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.callSoon(() -> { }));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> h.callLater(Duration.ZERO, () -> { }));
        assertThrows(IllegalStateException.class, () -> h.callSoonThreadsafe(() -> { }));
        assertThrows(IllegalStateException.class, h::run);
        assertThrows(IllegalStateException.class, () -> Park.park("x", Park.NO_DEADLINE, Park.Wake.SAME_HUB, null));
        // the thread gets a fresh hub on next use
        Hub fresh = Hub.current();
        assertFalse(fresh.isClosed());
        assertTrue(fresh != h);
    }

    @Test
    void closeKillsRemainingFibersRunningTheirFinallyBlocks() {
        Trace t = new Trace();
        hub.setErrorHandler((w, e) -> reported.add(w));
        for (String name : new String[] {"sleeper", "waiter"}) {
            Fibers.spawn(name, () -> {
                try {
                    if (name.equals("sleeper")) {
                        Fibers.sleep(Duration.ofHours(1));
                    } else {
                        new Event().await();
                    }
                } finally {
                    t.add(name + " finally");
                }
            });
        }
        Task<Void> neverStarted = Fibers.spawnLater(Duration.ofHours(1), () -> t.add("never"));
        Fiber suspended = new Fiber(v -> {
            try {
                Fiber.root().switchTo();
            } finally {
                t.add("suspended finally");
            }
            return null;
        });
        suspended.switchTo();
        Fibers.sleep(Duration.ZERO); // start the two tasks
        assertEquals(3, hub.liveCount());
        hub.close();
        assertEquals(Set.of("sleeper finally", "waiter finally", "suspended finally"),
                new HashSet<>(t.events()));
        assertTrue(suspended.isDead());
        assertEquals(0, hub.liveCount());
        assertTrue(reported.isEmpty(), reported.toString());
        assertTrue(neverStarted.isReady() && neverStarted.isKilled(), "a task spawned for later ends killed: " + neverStarted);
    }

    @Test
    void closeFromInsideTheLoopIsRefused() {
        Task<Void> t = Fibers.spawn(() -> hub.close());
        t.join();
        assertTrue(t.exception() instanceof IllegalStateException);
        assertFalse(hub.isClosed());
    }

    @Test
    void blockingForeverRaisesLoopExit() {
        FiberQueue<String> empty = new FiberQueue<>();
        Task<String> t = Fibers.spawn(() -> empty.get());
        LoopExit e = assertThrows(LoopExit.class, t::join);
        assertTrue(e.getMessage().contains("would block forever"), e.getMessage());
        // nothing was lost: the task still waits and can be released
        empty.put("filled");
        assertEquals("filled", t.get());
    }

    @Test
    void aWaitOnAnEventIsNeverLoopExitSinceAnotherThreadMaySetIt() throws Exception {
        Event set = new Event();
        Task<Boolean> t = Fibers.spawn(() -> set.await());
        Hub h = hub;
        Thread other = new Thread(() -> h.callSoonThreadsafe(set::set));
        other.setDaemon(true);
        Fibers.sleep(Duration.ZERO); // t parks first
        other.start();
        assertTrue(t.get(Duration.ofSeconds(5)));
    }

    @Test
    void fromAnotherThreadOnlyThreadsafeMethodsWork() throws Exception {
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread x = new Thread(() -> {
            try {
                hub.callSoon(() -> { });
            } catch (Throwable e) {
                err.set(e);
            }
        });
        x.start();
        x.join();
        assertTrue(err.get() instanceof IllegalStateException);
        assertTrue(err.get().getMessage().contains("belongs to thread"));
    }

    @Test
    void timeIsMonotonicSeconds() {
        double a = hub.time();
        Fibers.sleep(20);
        double b = hub.time();
        assertTrue(b - a >= 0.02 && b - a < 5, "elapsed " + (b - a));
    }

    @Test
    void interruptingTheThreadEndsTheWaitItsRootIsIn() throws Exception {
        Thread self = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            if (awaitAsleep(hub)) {
                self.interrupt();
            }
        });
        interrupter.setDaemon(true);
        interrupter.start();
        Task<Void> sleeper = Fibers.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
        HubInterruptedException e = assertThrows(HubInterruptedException.class, sleeper::join);
        assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
        assertTrue(Thread.interrupted(), "the interrupt status stays set, as with Thread.sleep");
        assertFalse(sleeper.isReady(), "only the wait that held the thread ended");
        Fibers.sleep(1); // and, the status cleared, the hub waits again
        interrupter.join();
    }
}
