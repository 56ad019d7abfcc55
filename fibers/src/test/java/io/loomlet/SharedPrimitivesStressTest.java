package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loomlet.sync.BoundedSemaphore;
import io.loomlet.sync.Event;
import io.loomlet.sync.Lock;
import io.loomlet.sync.RLock;
import io.loomlet.sync.Semaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * Issue #9: the shared primitives under contention from 3 hubs and a plain thread (4 threads on
 * this 2-core machine), in rounds bounded in count and time. Each test would catch a lost wake-up
 * (a waiter that never wakes: its round misses the deadline, or its timed wait gives up while the
 * thing it waits for is there) or a lost or doubled permit (counts at the end). Counts are
 * asserted, never speed. In the default suite; -Dloomlet.stress=false skips it.
 */
@DisabledIfSystemProperty(named = "loomlet.stress", matches = "false")
class SharedPrimitivesStressTest extends HubTestBase {
    private static final Duration ROUND_LIMIT = Duration.ofSeconds(30);

    /** A primitive as "enter, leave", for the mutual-exclusion test. */
    record Mutex(String name, Runnable enter, Runnable leave, IntSupplier waiters) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Runs {@code body} on every hub of {@code group} ({@code perHub} fibers each) and on one plain thread; waits. */
    private static void everywhere(HubGroup group, int perHub, Fibers.Action body, String what) throws Exception {
        List<Task<Void>> tasks = new ArrayList<>();
        for (int h = 0; h < group.size(); h++) {
            for (int i = 0; i < perHub; i++) {
                tasks.add(group.spawnOn(h, () -> {
                    body.run();
                    return null;
                }));
            }
        }
        AtomicReference<Throwable> plainFailed = new AtomicReference<>();
        Thread plain = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                plainFailed.set(t);
            }
        }, "plain worker");
        plain.setDaemon(true);
        plain.start();
        long end = System.nanoTime() + ROUND_LIMIT.toNanos();
        for (Task<Void> t : tasks) {
            if (!t.join(Duration.ofNanos(Math.max(1, end - System.nanoTime())))) {
                fail(what + ": a worker never finished in " + ROUND_LIMIT + " (a lost wake-up?): " + t);
            }
            t.get(); // raises its failure, if any
        }
        plain.join(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
        if (plain.isAlive()) {
            fail(what + ": the plain thread never finished in " + ROUND_LIMIT + " (a lost wake-up?)");
        }
        if (plainFailed.get() != null) {
            throw new AssertionError(what + ": the plain thread failed", plainFailed.get());
        }
    }

    @Test
    void mutualExclusionAcrossThreeHubsAndAPlainThread() throws Exception {
        Semaphore sem = new Semaphore(1);
        BoundedSemaphore bounded = new BoundedSemaphore(1);
        Lock lock = new Lock();
        RLock rlock = new RLock();
        List<Mutex> mutexes = List.of(
                new Mutex("Semaphore", sem::acquire, sem::release, sem::waiters),
                new Mutex("BoundedSemaphore", bounded::acquire, bounded::release, bounded::waiters),
                new Mutex("Lock", lock::acquire, lock::release, lock::waiters),
                new Mutex("RLock", () -> {
                    rlock.acquire();
                    rlock.acquire();
                }, () -> {
                    rlock.release();
                    rlock.release();
                }, rlock::waiters));
        int rounds = 1000;
        int perHub = 2;
        try (HubGroup group = new HubGroup(3, "stress-hub-")) {
            for (Mutex m : mutexes) {
                AtomicInteger inside = new AtomicInteger();
                AtomicInteger overlaps = new AtomicInteger();
                int[] counter = {0}; // plain: only the mutex orders its updates
                everywhere(group, perHub, () -> {
                    for (int i = 0; i < rounds; i++) {
                        m.enter().run();
                        try {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            counter[0]++;
                            if (i % 4 == 0 && Fibers.inFiber()) {
                                Fibers.sleep(Duration.ZERO); // hold it across a switch: fibers of this hub queue up
                            }
                            inside.decrementAndGet();
                        } finally {
                            m.leave().run();
                        }
                    }
                }, m.name());
                int workers = group.size() * perHub + 1;
                assertEquals(0, overlaps.get(), m + ": two holders at once");
                assertEquals(workers * rounds, counter[0], m + ": updates lost under the mutex");
                assertEquals(0, m.waiters().getAsInt(), m + ": waiters left");
            }
        }
        assertEquals(1, sem.availablePermits());
        assertEquals(1, bounded.availablePermits());
        assertTrue(!lock.isLocked() && !rlock.isLocked());
    }

    @Test
    void pingPongHandOffsBetweenTwoHubs() throws Exception {
        Semaphore ping = new Semaphore(0);
        Semaphore pong = new Semaphore(0);
        int rounds = 10_000;
        try (HubGroup group = new HubGroup(2, "pingpong-")) {
            Task<Integer> a = group.spawnOn(0, () -> {
                for (int i = 0; i < rounds; i++) {
                    ping.release();
                    if (!pong.acquire(ROUND_LIMIT)) {
                        return i;
                    }
                }
                return rounds;
            });
            Task<Integer> b = group.spawnOn(1, () -> {
                for (int i = 0; i < rounds; i++) {
                    if (!ping.acquire(ROUND_LIMIT)) {
                        return i;
                    }
                    pong.release();
                }
                return rounds;
            });
            assertEquals(rounds, b.get(ROUND_LIMIT.plusSeconds(5)), "b's rounds before a wait gave up");
            assertEquals(rounds, a.get(ROUND_LIMIT.plusSeconds(5)), "a's rounds before a wait gave up");
            assertEquals(0, ping.availablePermits() + pong.availablePermits());
        }
    }

    @Test
    void eventsSetWhileWaitersOfThreeHubsArriveWakeEveryOne() throws Exception {
        // Waiters run through a row of events while a plain thread sets them one after another: each
        // waiter finds some set already, parks on others, and reaches some just as they are set.
        int rounds = 5000;
        Event[] events = new Event[rounds];
        for (int r = 0; r < rounds; r++) {
            events[r] = new Event();
        }
        try (HubGroup group = new HubGroup(3, "event-hub-")) {
            List<Task<Integer>> waiters = new ArrayList<>();
            for (int h = 0; h < 3; h++) {
                for (int i = 0; i < 2; i++) {
                    waiters.add(group.spawnOn(h, () -> {
                        for (int r = 0; r < rounds; r++) {
                            // A lost wake-up leaves a waiter parked until this long timeout, after
                            // which it finds the flag set and goes on: caught below by the time limit.
                            events[r].await(Duration.ofSeconds(60));
                        }
                        return rounds;
                    }));
                }
            }
            Thread setter = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (Event e : events) {
                    long until = System.nanoTime() + rnd.nextLong(20_000);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    e.set();
                }
            }, "setter");
            setter.start();
            setter.join();
            // The setter is done: every waiter is at most a few thousand cheap waits from its end.
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            for (Task<Integer> t : waiters) {
                if (!t.join(Duration.ofNanos(Math.max(1, end - System.nanoTime())))) {
                    fail("a waiter of " + t.hub() + " still waits 15 s after the last set: a lost wake-up");
                }
                assertEquals(rounds, t.get());
            }
            for (Event e : events) {
                assertEquals(0, e.waiters());
            }
        }
    }

    @Test
    void aSetAndAWaitStartedAtTheSameInstantNeverLoseTheWakeUp() throws Exception {
        // Event.set skips the lot's monitor when no waiter has announced itself (a Dekker handshake
        // between the waiter's announcement and the flag): here a waiter and a setter on two threads
        // meet at a spin barrier and go at once, round after round, so the waiter's check falls right
        // beside the set (planting the bug, reading the announcement before writing the flag, was
        // caught here in 3 of 3 runs). A lost wake-up shows as a wait that ran into its 2 s limit.
        int rounds = 20_000;
        Event[] events = new Event[rounds];
        for (int r = 0; r < rounds; r++) {
            events[r] = new Event();
        }
        AtomicInteger ready = new AtomicInteger(-1);
        AtomicInteger lost = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                for (int r = 0; r < rounds; r++) {
                    ready.set(r);
                    long t0 = System.nanoTime();
                    events[r].await(Duration.ofSeconds(2));
                    if (System.nanoTime() - t0 >= Duration.ofSeconds(2).toNanos()) {
                        lost.incrementAndGet();
                        return;
                    }
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "event-waiter");
        Thread setter = new Thread(() -> {
            for (int r = 0; r < rounds; r++) {
                long spinUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (ready.get() < r && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                // then a random few hundred nanoseconds, so that over the rounds the set sweeps
                // across the waiter's check
                for (int spins = ThreadLocalRandom.current().nextInt(400); spins > 0; spins--) {
                    Thread.onSpinWait();
                }
                events[r].set();
            }
        }, "event-setter");
        waiter.start();
        setter.start();
        setter.join(ROUND_LIMIT.toMillis());
        waiter.join(ROUND_LIMIT.toMillis());
        assertTrue(failed.get() == null, () -> "the waiter failed: " + failed.get());
        assertEquals(0, lost.get(), "a wait ran into its limit although its event was set: a lost wake-up");
        assertTrue(!waiter.isAlive() && !setter.isAlive(), "both threads finished");
    }

    @Test
    void clearThenCheckThenWaitAgainstAddThenSetNeverLosesTheWakeUp() throws Exception {
        // The everyday pattern: a consumer clears the event, looks at a queue and waits only when it
        // is empty; a producer adds, then sets, each item right after the consumer took the last.
        // A lost wake-up shows as a wait that ran into its 2 s limit with an item in the queue. It
        // guards the pattern as a whole (a set that skips waiters, a clear that is lost); the subtlest
        // bug it is about, a clear made a release store that can sit in the store buffer while the
        // consumer reads the queue, has a window of nanoseconds and was not caught in 3 planted runs:
        // Event.clear says why it is a volatile store.
        int items = 50_000;
        Event e = new Event();
        java.util.concurrent.ConcurrentLinkedQueue<Integer> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicInteger lost = new AtomicInteger();
        AtomicInteger got = new AtomicInteger();
        Thread consumer = new Thread(() -> {
            while (got.get() < items && lost.get() == 0) {
                e.clear();
                Integer x = queue.poll();
                if (x != null) {
                    got.incrementAndGet();
                    continue;
                }
                long t0 = System.nanoTime();
                e.await(Duration.ofSeconds(2));
                if (System.nanoTime() - t0 >= Duration.ofSeconds(2).toNanos() && !queue.isEmpty()) {
                    lost.incrementAndGet();
                }
            }
        }, "event-consumer");
        Thread producer = new Thread(() -> {
            for (int i = 0; i < items && lost.get() == 0; i++) {
                // one item at a time, right after the consumer took the last one (so it is between
                // its clear and its look at the queue), give or take a few spins
                long spinUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (got.get() < i && lost.get() == 0 && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                for (int spins = ThreadLocalRandom.current().nextInt(20); spins > 0; spins--) {
                    Thread.onSpinWait();
                }
                queue.add(i);
                e.set();
            }
        }, "event-producer");
        consumer.start();
        producer.start();
        producer.join(ROUND_LIMIT.toMillis());
        consumer.join(ROUND_LIMIT.toMillis());
        assertEquals(0, lost.get(), "a wait ran into its limit with an item in the queue: a lost wake-up");
        assertEquals(items, got.get(), "every item was taken");
    }

    @Test
    void timedAcquiresRacingReleasesNeitherLoseNorDoublePermits() throws Exception {
        BoundedSemaphore s = new BoundedSemaphore(2); // a doubled permit would be an over-release: it throws
        AtomicInteger got = new AtomicInteger();
        AtomicInteger gaveUp = new AtomicInteger();
        try (HubGroup group = new HubGroup(3, "timed-hub-")) {
            everywhere(group, 3, () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = 0; i < 1000; i++) {
                    // deadlines of 0 to 200 us: many expire while a release is handing the permit over
                    if (s.acquire(Duration.ofNanos(rnd.nextLong(200_000)))) {
                        got.incrementAndGet();
                        if (i % 3 == 0 && Fibers.inFiber()) {
                            Fibers.sleep(Duration.ZERO);
                        }
                        s.release();
                    } else {
                        gaveUp.incrementAndGet();
                    }
                }
            }, "timed acquires");
        }
        assertEquals(2, s.availablePermits(), "every permit came back (got " + got + ", gave up " + gaveUp + ")");
        assertEquals(0, s.waiters());
        assertTrue(got.get() > 0);
    }
}
