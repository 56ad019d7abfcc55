package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.internal.ProcessFence;
import io.loomlet.testing.ForkedJvm;
import java.time.Duration;
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
    }
}
