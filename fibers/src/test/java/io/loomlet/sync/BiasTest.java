package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.internal.ProcessFence;
import io.loomlet.testing.ForkedJvm;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue #9, the single-hub speed of the thread-safe primitives: a primitive that one hub alone uses
 * is biased to that hub's thread (plain reads and writes); the first use from another thread revokes
 * the bias, without waiting for the hub to run its loop, and nothing either side wrote is lost.
 */
class BiasTest extends HubTestBase {

    @Test
    void theSuiteRunsWithTheBiasOn() {
        // the pom's test JVMs get --enable-native-access: without it every test here would only see shared paths
        assertTrue(Biased.ENABLED, "biased primitives are off in the test JVM: " + ProcessFence.WHY_NOT);
    }

    @Test
    void aPrimitiveUsedByOneHubIsBiasedToItsThreadAndAnotherThreadRevokesIt() throws Exception {
        Semaphore s = new Semaphore(5);
        Event e = new Event();
        Task<Void> user = Fibers.spawn(() -> {
            for (int i = 0; i < 3; i++) {
                s.acquire();
            }
            e.set();
        });
        user.join();
        assertTrue(s.biasOwnedByCurrentThread(), "biased to the hub's thread: " + s.biasState());
        assertTrue(e.biasOwnedByCurrentThread(), "biased to the hub's thread: " + e.biasState());
        AtomicReference<String> seen = new AtomicReference<>();
        Thread other = new Thread(() -> {
            // the hub's plain writes are visible to the revoker: 2 permits left, the event set
            String saw = s.availablePermits() + " " + s.tryAcquire() + " " + s.tryAcquire() + " " + s.tryAcquire() + " "
                    + e.isSet();
            e.clear();
            seen.set(saw);
        });
        other.start();
        other.join();
        assertEquals("2 true true false true", seen.get());
        assertTrue(s.biasShared(), s.biasState());
        assertTrue(e.biasShared(), e.biasState());
        assertFalse(e.isSet(), "the other thread's clear is visible here");
        for (int i = 0; i < 5; i++) {
            s.release();
        }
        assertEquals(5, s.availablePermits(), "after the revocation, the hub's releases count as before");
    }

    /**
     * The case that made a handshake with the hub's loop unsafe: the owner's thread is blocked outside
     * its loop (a root in a plain Thread.join) waiting for the very thread that revokes.
     */
    @Test
    void aRevocationDoesNotWaitForAHubBlockedOutsideItsLoop() throws Exception {
        Semaphore s = new Semaphore(0);
        Lock lock = new Lock();
        s.release();
        s.acquire(); // biased to this thread, the test's root
        lock.acquire();
        lock.release();
        assertTrue(s.biasOwnedByCurrentThread());
        Thread other = new Thread(() -> {
            s.release();
            lock.acquire();
            lock.release();
        });
        other.start();
        other.join(10_000); // plain blocking: this thread's hub does not run its loop meanwhile
        assertFalse(other.isAlive(), "the revoking thread finished while the owner was blocked in Thread.join");
        assertEquals(1, s.availablePermits());
        assertTrue(s.biasShared() && lock.biasShared());
    }

    /**
     * The handshake itself, made visible by holding a window open on purpose: a revoker (and a third
     * thread arriving meanwhile) waits while the owner is inside, and goes on once it leaves, seeing
     * the write made inside.
     */
    @Test
    void aRevokerWaitsForTheOwnersOpenWindowAndAThirdThreadForTheRevoker() throws Exception {
        Semaphore s = new Semaphore(1);
        s.release(); // biased here, 2 permits
        AtomicReference<String> revoker = new AtomicReference<>();
        AtomicReference<String> third = new AtomicReference<>();
        Thread r = new Thread(() -> revoker.set(String.valueOf(s.tryAcquire())));
        Thread t = new Thread(() -> third.set(String.valueOf(s.tryAcquire())));
        assertTrue(s.enter(), "the owner opens a window");
        try {
            r.start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (!s.biasState().equals("revoking") && r.isAlive() && System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            t.start();
            Thread.sleep(200); // plain sleep: the window stays open
            assertTrue(r.isAlive(), "the revoker waits while the owner's window is open");
            assertTrue(t.isAlive(), "a third thread waits for the revocation to end");
            assertEquals("revoking", s.biasState());
            // inside the window: a plain change the revoker must see once it goes on
            STATE_FOR_TEST.setRelease(s, (int) STATE_FOR_TEST.get(s) + Permits.ONE);
        } finally {
            s.exit();
        }
        r.join(10_000);
        t.join(10_000);
        assertEquals("true", revoker.get());
        assertEquals("true", third.get());
        assertEquals(1, s.availablePermits(), "3 permits after the window's write, one taken by each thread");
        assertTrue(s.biasShared());
    }

    private static final java.lang.invoke.VarHandle STATE_FOR_TEST;

    static {
        try {
            STATE_FOR_TEST = java.lang.invoke.MethodHandles.privateLookupIn(Permits.class, java.lang.invoke.MethodHandles.lookup())
                    .findVarHandle(Permits.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A revocation cut short by a stack overflow, at every depth near the limit, puts the bias back to
     * its owner: no primitive is left REVOKING, where every later user would spin for ever.
     */
    @Test
    void aStackOverflowDuringARevocationLeavesNoPrimitiveRevoking() throws Exception {
        List<Semaphore> sems = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            Semaphore s = new Semaphore(1);
            s.release(); // biased to this thread, which stays alive
            sems.add(s);
        }
        int[] next = new int[1];
        AtomicReference<Throwable> died = new AtomicReference<>();
        Thread prober = new Thread(null, () -> probe(sems, next), "prober", 512 * 1024);
        prober.setUncaughtExceptionHandler((t, e) -> died.set(e));
        prober.start();
        prober.join(60_000);
        assertTrue(next[0] > 100, "probed at " + next[0] + " depths; " + died.get());
        for (Semaphore s : sems) {
            assertFalse(s.biasState().equals("revoking"), "left revoking: " + s);
        }
    }

    /** Recurses to a stack overflow, then revokes one more semaphore in each frame on the way back. */
    private static void probe(List<Semaphore> sems, int[] next) {
        try {
            probe(sems, next);
        } catch (StackOverflowError deepest) {
            // the bottom: the probes start in the frames above
        }
        if (next[0] < sems.size()) {
            try {
                sems.get(next[0]++).tryAcquire();
            } catch (StackOverflowError e) {
                // expected near the limit: the bias must still not be left revoking
            }
        }
    }

    @Test
    void theBiasOfAThreadThatEndedIsRevokedAndItsWritesKept() throws Exception {
        Semaphore s = new Semaphore(3);
        Thread owner = new Thread(() -> {
            s.tryAcquire();
            s.tryAcquire();
        });
        owner.start();
        owner.join();
        assertFalse(s.biasOwnedByCurrentThread());
        assertEquals(1, s.availablePermits());
        assertTrue(s.tryAcquire());
        assertFalse(s.tryAcquire());
        assertTrue(s.biasShared());
    }

    @Test
    void aVirtualThreadNeverOwnsABias() throws Exception {
        Semaphore s = new Semaphore(1);
        Thread.ofVirtual().start(() -> {
            s.tryAcquire();
            s.release();
        }).join();
        assertTrue(s.biasShared(), "a virtual thread may move between carriers: " + s.biasState());
        assertEquals(1, s.availablePermits());
    }

    @Test
    void aWaiterOfAnotherThreadRevokesSoThatTheOwnersSetWakesIt() throws Exception {
        Event e = new Event();
        e.set();
        e.clear(); // biased here
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Boolean> woke = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            waiting.countDown();
            woke.set(e.await(Duration.ofSeconds(10)));
        });
        waiter.start();
        waiting.await();
        while (e.waiters() == 0 && waiter.isAlive()) {
            Fibers.sleep(1);
        }
        assertTrue(e.biasShared());
        e.set();
        waiter.join(10_000);
        assertEquals(Boolean.TRUE, woke.get(), "woken by the set, not by its timeout");
    }

    /** Waiters listed without the monitor (in windows) are found by a foreign release and set after the revocation. */
    @Test
    void waitersListedWhileBiasedAreHandedOffByAnotherThread() throws Exception {
        Semaphore s = new Semaphore(0);
        Event e = new Event();
        List<Task<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(Fibers.spawn(() -> s.acquire(Duration.ofSeconds(10))));
            waiters.add(Fibers.spawn(() -> e.await(Duration.ofSeconds(10))));
        }
        Fibers.sleep(Duration.ZERO);
        assertEquals(3, s.waiters());
        assertEquals(3, e.waiters());
        assertTrue(s.biasOwnedByCurrentThread() && e.biasOwnedByCurrentThread());
        Thread other = new Thread(() -> {
            for (int i = 0; i < 3; i++) {
                s.release();
            }
            e.set();
        });
        other.start();
        for (Task<Boolean> t : waiters) {
            assertEquals(Boolean.TRUE, t.get(Duration.ofSeconds(10)), "woken by the other thread, not by the timeout");
        }
        other.join(10_000);
        assertEquals(0, s.availablePermits());
        assertEquals(0, s.waiters());
        assertTrue(s.biasShared() && e.biasShared());
    }

    /** A waiter listed in a window whose timeout fires after the revocation leaves through the monitor. */
    @Test
    void aWaiterListedWhileBiasedTimesOutAfterTheRevocationAndLeavesNoTrace() throws Exception {
        Semaphore s = new Semaphore(0);
        Task<Boolean> waiter = Fibers.spawn(() -> s.acquire(Duration.ofMillis(300)));
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, s.waiters());
        Thread other = new Thread(() -> s.tryAcquire()); // revokes, takes nothing
        other.start();
        other.join(10_000);
        assertTrue(s.biasShared());
        assertFalse(Switches.assertOthersRan(() -> waiter.get(Duration.ofSeconds(10))), "timed out");
        assertEquals(0, s.waiters());
        s.release();
        assertEquals(1, s.availablePermits(), "the permit went to the count, not to the departed waiter");
    }

    /** A plain thread waiting on a biased event through iwait's watcher revokes, so the owner's set tells it. */
    @Test
    void aWatcherOfAnotherThreadIsToldByTheOwnersSet() throws Exception {
        Event e = new Event();
        e.set();
        e.clear();
        assertTrue(e.biasOwnedByCurrentThread());
        AtomicReference<List<Event>> ready = new AtomicReference<>();
        Thread other = new Thread(() -> ready.set(Fibers.wait(List.of(e), Duration.ofSeconds(10))));
        other.start();
        while (!e.biasShared() && other.isAlive()) {
            Fibers.sleep(1);
        }
        e.set();
        other.join(10_000);
        assertEquals(List.of(e), ready.get(), "told by the set, not timed out");
    }

    @Test
    void aVirtualThreadOfTheHubRevokesAndWorks() throws Exception {
        Semaphore s = new Semaphore(1);
        s.acquire();
        s.release();
        assertTrue(s.biasOwnedByCurrentThread());
        AtomicReference<String> seen = new AtomicReference<>();
        Thread vt = hub.virtualThreadBuilder().start(() -> {
            boolean first = s.tryAcquire();
            boolean second = s.tryAcquire();
            s.release();
            seen.set(first + " " + second);
        });
        while (vt.isAlive()) {
            Fibers.sleep(1);
        }
        assertEquals("true false", seen.get());
        assertTrue(s.biasShared());
        assertEquals(1, s.availablePermits());
    }

    @Test
    void aBoundedSemaphoreStillRefusesAnExtraReleaseOnTheBiasedPath() {
        BoundedSemaphore b = new BoundedSemaphore(1);
        b.acquire();
        b.release();
        assertTrue(b.biasOwnedByCurrentThread());
        try {
            b.release();
            throw new AssertionError("an extra release passed");
        } catch (IllegalStateException expected) {
            assertEquals(1, b.availablePermits());
        }
    }

    /**
     * Revocations racing the owner's fast paths: a fresh lock per round, its hub's fibers and a plain
     * thread each increment a plain counter under it from the same instant, so the thread's first
     * acquire revokes the bias while the hub is in the middle of acquires and releases. A lost or
     * doubled permit, or a window the revoker did not wait for, shows as a wrong count.
     */
    @Test
    void revocationsRacingTheOwnersFastPathsLoseNothing() throws Exception {
        int rounds = 300;
        int perSide = 2_000;
        for (int r = 0; r < rounds; r++) {
            Lock lock = new Lock();
            int[] counter = new int[1];
            lock.acquire();
            lock.release(); // biased to this thread
            AtomicInteger go = new AtomicInteger();
            Thread other = new Thread(() -> {
                go.incrementAndGet();
                for (int i = 0; i < perSide; i++) {
                    lock.acquire();
                    counter[0]++;
                    lock.release();
                }
            });
            other.start();
            while (go.get() == 0) {
                Thread.onSpinWait();
            }
            Task<Void> a = Fibers.spawn(() -> {
                for (int i = 0; i < perSide / 2; i++) {
                    lock.acquire();
                    counter[0]++;
                    lock.release();
                    if ((i & 63) == 0) {
                        Fibers.sleep(Duration.ZERO); // let the other fiber in
                    }
                }
            });
            Task<Void> b = Fibers.spawn(() -> {
                for (int i = 0; i < perSide / 2; i++) {
                    lock.acquire();
                    counter[0]++;
                    lock.release();
                }
            });
            a.join();
            b.join();
            while (other.isAlive()) {
                Fibers.sleep(1); // not join: its releases may hand the lock to a fiber here
            }
            lock.acquire(); // the thread's last writes are visible once we hold the lock
            assertEquals(2 * perSide, counter[0], "round " + r + ": " + lock.biasState());
            lock.release();
        }
    }

    /**
     * The clear-check-wait pattern across a revocation: the consumer (the owner) clears, looks at the
     * queue and waits; the producer (another thread) adds and sets, and its set is the revocation.
     * A set that read a stale flag would leave the consumer waiting to its timeout.
     */
    @Test
    void aSetThatRevokesNeverMissesTheOwnersClearCheckWait() throws Exception {
        int rounds = 2_000;
        for (int r = 0; r < rounds; r++) {
            Event e = new Event();
            e.set();
            e.clear(); // biased here
            ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>();
            Thread producer = new Thread(() -> {
                queue.add(1);
                e.set();
            });
            producer.start();
            e.clear();
            if (queue.isEmpty()) {
                assertTrue(e.await(Duration.ofSeconds(10)), "round " + r + ": the producer's set was lost");
            }
            while (queue.isEmpty()) {
                Thread.onSpinWait();
            }
            producer.join(10_000);
        }
    }

    @Test
    void withoutNativeAccessThePrimitivesStayThreadSafeAndNothingIsPrinted() {
        ForkedJvm.Result r = ForkedJvm.main(BiasMain.class).exports().timeout(Duration.ofSeconds(60)).run();
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertTrue(out.contains("enabled false, why not: native access not enabled"), out);
        assertFalse(out.contains("WARNING"), "no restricted-method warning for trying:\n" + out);
        assertTrue(out.contains("after the hub: shared, permits 1"), out);
        assertTrue(out.contains("the other thread saw 1011; now shared"), out);
    }

    @Test
    void withNativeAccessABiasIsTakenAndRevokedAndTheSwitchTurnsItOff() {
        ForkedJvm.Result on = ForkedJvm.main(BiasMain.class).exports().jvmArgs("--enable-native-access=ALL-UNNAMED")
                .timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, on.exit(), on.out());
        assertTrue(on.out().contains("enabled true, why not: null"), on.out());
        assertTrue(on.out().contains("after the hub: biased to main, permits 1"), on.out());
        assertTrue(on.out().contains("the other thread saw 1011; now shared"), on.out());
        ForkedJvm.Result off = ForkedJvm.main(BiasMain.class).exports()
                .jvmArgs("--enable-native-access=ALL-UNNAMED", "-Dloomlet.biasedPrimitives=false")
                .timeout(Duration.ofSeconds(60)).run();
        assertTrue(off.out().contains("enabled false, why not: switched off"), off.out());
        assertTrue(off.out().contains("the other thread saw 1011; now shared"), off.out());
        ForkedJvm.Result jvmci = ForkedJvm.main(BiasMain.class).exports()
                .jvmArgs("--enable-native-access=ALL-UNNAMED", "-XX:+UnlockExperimentalVMOptions", "-XX:+EnableJVMCI")
                .timeout(Duration.ofSeconds(60)).run();
        assertTrue(jvmci.out().contains("enabled false, why not: not on HotSpot's own compilers"), jvmci.out());
    }
}
