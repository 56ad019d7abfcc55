package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.FiberExit;
import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every blocking primitive keeps, written once and run on each (STYLE: shared
 * contract tests): a wait parks only its fiber (others run meanwhile), waiters are served FIFO, a
 * timed wait gives up on time and leaves the wait list, and a waiter killed after it was handed
 * something passes it on.
 */
class WaitContractTest extends HubTestBase {

    /** One primitive seen as "a thing fibers wait on, and a way to satisfy one waiter". */
    interface Subject {
        /** Blocks until satisfied or timeout; returns whether satisfied. */
        boolean await(Duration timeout);

        /** Satisfies exactly one waiter (or stores one satisfaction if nobody waits). */
        void give();

        int waiters();
    }

    static Stream<Supplier<Subject>> subjects() {
        return Stream.of(
                named("Semaphore", () -> {
                    Semaphore s = new Semaphore(0);
                    return new Subject() {
                        public boolean await(Duration t) { return s.acquire(t); }
                        public void give() { s.release(); }
                        public int waiters() { return s.waiters(); }
                    };
                }),
                named("BoundedSemaphore", () -> {
                    BoundedSemaphore s = new BoundedSemaphore(1);
                    s.acquire();
                    return new Subject() {
                        public boolean await(Duration t) { return s.acquire(t); }
                        public void give() { s.release(); }
                        public int waiters() { return s.waiters(); }
                    };
                }),
                named("Lock", () -> {
                    Lock l = new Lock();
                    Task<?> holder = Fibers.spawn(() -> {
                        l.acquire();
                        new Event().await(Duration.ofMillis(1)); // keep holding; released by give()
                        return null;
                    });
                    holder.join();
                    return new Subject() {
                        public boolean await(Duration t) { return l.acquire(t); }
                        public void give() {
                            // hand the lock on as its owner would: release from the owner's view
                            if (l.owner() != null) {
                                forceRelease(l);
                            }
                        }
                        public int waiters() { return l.waiters(); }
                    };
                }),
                queue("FiberQueue", FiberQueue::new),
                queue("LifoQueue", LifoQueue::new),
                queue("PriorityQueue", PriorityQueue::new),
                named("Channel", () -> {
                    Channel<String> c = new Channel<>();
                    return new Subject() {
                        public boolean await(Duration t) { return c.poll(t) != null; }
                        public void give() { Fibers.spawn(() -> c.put("item")); }
                        public int waiters() { return c.getters(); }
                    };
                }));
    }

    /** A queue of any kind, waited on by its getters. */
    static Supplier<Subject> queue(String name, Supplier<AbstractFiberQueue<String>> make) {
        return named(name, () -> {
            AbstractFiberQueue<String> q = make.get();
            return new Subject() {
                public boolean await(Duration t) { return q.poll(t) != null; }
                public void give() { q.put("item"); }
                public int waiters() { return q.getters(); }
            };
        });
    }

    /** Lock.release checks the owner; the contract drives it from outside, as a test may. */
    static void forceRelease(Lock l) {
        l.handOff();
    }

    static Supplier<Subject> named(String name, Supplier<Subject> s) {
        return new Supplier<>() {
            public Subject get() { return s.get(); }
            public String toString() { return name; }
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void waitParksOnlyTheFiberAndOthersRun(Supplier<Subject> make) throws Exception {
        Subject s = make.get();
        // The ticker must tick while the waiter waits, before anything satisfies it. A primitive that
        // blocked the thread would stop the ticker and the giver: no ticks, or a wait that times out.
        Task<Boolean> waiter = Fibers.spawn(() -> Switches.assertOthersRan(2, () -> s.await(Duration.ofSeconds(5))));
        Task<Integer> giver = Fibers.spawnLater(Duration.ofMillis(20), () -> {
            int waiting = s.waiters();
            s.give();
            return waiting;
        });
        assertTrue(waiter.get(), "satisfied by give(), not timed out");
        assertEquals(1, giver.get(), "the waiter was on the primitive's wait list");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void waitersAreServedInOrder(Supplier<Subject> make) {
        Subject s = make.get();
        List<Integer> order = new ArrayList<>();
        List<Task<Void>> ts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            ts.add(Fibers.spawn(() -> {
                s.await(null);
                order.add(n);
            }));
        }
        Fibers.sleep(Duration.ZERO);
        for (int i = 0; i < 5; i++) {
            s.give();
            Fibers.sleep(Duration.ZERO);
            Fibers.sleep(Duration.ZERO);
        }
        Fibers.joinAll(ts);
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void timedWaitGivesUpAndLeavesTheList(Supplier<Subject> make) {
        Subject s = make.get();
        long start = System.nanoTime();
        assertFalse(Fibers.spawn(() -> s.await(Duration.ofMillis(30))).get());
        assertTrue(System.nanoTime() - start >= 30_000_000L);
        assertEquals(0, s.waiters());
        // the next give is not swallowed by the waiter that gave up
        Task<Boolean> next = Fibers.spawn(() -> s.await(Duration.ofSeconds(5)));
        Fibers.sleep(Duration.ZERO);
        s.give();
        assertTrue(next.get());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void waiterKilledAfterBeingHandedPassesItOn(Supplier<Subject> make) {
        Subject s = make.get();
        Task<Boolean> first = Fibers.spawn(() -> s.await(null));
        Task<Boolean> second = Fibers.spawn(() -> s.await(null));
        Fibers.sleep(Duration.ZERO);
        Fibers.spawn(() -> {
            s.give();        // hands it to `first`, which is now ready but has not run
            first.kill(new FiberExit(), false, null);
        }).join();
        assertTrue(second.get(Duration.ofSeconds(2)), "what `first` was handed went on to `second`");
        first.join();
        assertTrue(first.isKilled());
    }
}
