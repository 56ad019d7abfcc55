package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.FiberExit;
import io.loomlet.FiberTimeoutException;
import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.Timeout;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * gevent.queue's kinds (FIFO, LIFO, priority), shutdown, consuming iteration and peek with a
 * timeout. What every blocking primitive shares is in WaitContractTest; the FIFO queue's join and
 * timeouts in SyncTest.
 */
class QueueTest extends HubTestBase {

    /** A queue of each kind, given its capacity. */
    static Stream<Named<IntFunction<AbstractFiberQueue<String>>>> kinds() {
        return Stream.of(
                Named.of("FiberQueue", FiberQueue::new),
                Named.of("LifoQueue", LifoQueue::new),
                Named.of("PriorityQueue", c -> new PriorityQueue<String>(c)));
    }

    record Job(int priority, int n) {
    }

    private static final Comparator<Job> BY_PRIORITY = Comparator.comparingInt(Job::priority);

    @Test
    void lifoQueueTakesTheLastPutFirst() {
        LifoQueue<Integer> q = new LifoQueue<>();
        q.put(1);
        q.put(2);
        q.put(3);
        assertEquals(3, q.peek());
        assertEquals(List.of(3, 2), List.of(q.get(), q.get()));
        q.put(4);
        assertEquals(List.of(4, 1), List.of(q.get(), q.poll()));
        assertNull(q.poll());
    }

    @Test
    void priorityQueueTakesTheLowestFirst() {
        PriorityQueue<Integer> natural = new PriorityQueue<>();
        for (int v : new int[] {5, 1, 4, 2, 3}) {
            natural.put(v);
        }
        assertEquals(1, natural.peek());
        assertEquals(List.of(1, 2, 3, 4, 5), drain(natural));

        PriorityQueue<String> longestFirst = new PriorityQueue<>(Comparator.comparingInt(String::length).reversed());
        longestFirst.put("bb");
        longestFirst.put("a");
        longestFirst.put("cccc");
        assertEquals(List.of("cccc", "bb", "a"), drain(longestFirst));
    }

    @Test
    void priorityQueueTakesEqualItemsInTheOrderTheyWerePut() {
        // A plain heap (java.util.PriorityQueue, gevent's heapq) scrambles equal items; 60 jobs at
        // three levels, put with the levels interleaved, would come out of one in another order.
        PriorityQueue<Job> q = new PriorityQueue<>(BY_PRIORITY);
        List<Job> jobs = IntStream.range(0, 60).mapToObj(n -> new Job(n * 7 % 3, n)).toList();
        jobs.forEach(q::put);
        List<Job> expected = jobs.stream().sorted(BY_PRIORITY.thenComparingInt(Job::n)).toList();
        assertEquals(expected, drain(q));
    }

    @Test
    void priorityQueueGivesAnItemACancelledGetterGaveBackBeforeItsEquals() {
        PriorityQueue<Job> q = new PriorityQueue<>(BY_PRIORITY);
        handToAGetterThenKillIt(q, new Job(1, 1), () -> {
            q.put(new Job(1, 2));
            q.put(new Job(0, 3));
        });
        assertEquals(List.of(new Job(0, 3), new Job(1, 1), new Job(1, 2)), drain(q));
    }

    @Test
    void priorityQueueRefusesItemsItCannotOrder() {
        PriorityQueue<Object> q = new PriorityQueue<>();
        ClassCastException e = assertThrows(ClassCastException.class, () -> q.put(new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object is not Comparable"), e.getMessage());
        assertEquals(0, q.size());
        assertEquals(0, q.unfinishedTasks());
        // refused also when a getter waits, which would otherwise take it without any comparing
        Task<Object> getter = Fibers.spawn(() -> q.get(Duration.ofSeconds(5)));
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, q.getters());
        assertThrows(ClassCastException.class, () -> q.offer(new Object()));
        assertEquals(1, q.getters(), "the getter still waits");
        q.put(7);
        assertEquals(7, getter.get());

        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> new PriorityQueue<String>((Comparator<String>) null));
        assertEquals("comparator", npe.getMessage());
        assertThrows(NullPointerException.class, () -> new PriorityQueue<String>(3, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void badArgumentsAreRefusedAtTheCall(IntFunction<AbstractFiberQueue<String>> make) {
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class, () -> make.apply(-1));
        assertTrue(cap.getMessage().contains("capacity must be >= 0"), cap.getMessage());
        AbstractFiberQueue<String> q = make.apply(0);
        assertEquals("item", assertThrows(NullPointerException.class, () -> q.put(null)).getMessage());
        assertThrows(NullPointerException.class, () -> q.offer(null));
        Duration negative = Duration.ofMillis(-1);
        for (Runnable call : List.<Runnable>of(() -> q.get(negative), () -> q.poll(negative),
                () -> q.peek(negative), () -> q.put("x", negative), () -> q.join(negative))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertTrue(e.getMessage().contains("negative timeout"), e.getMessage());
        }
        assertEquals(0, q.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anItemACancelledGetterWasHandedComesOutNext(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = make.apply(0);
        handToAGetterThenKillIt(q, "a", () -> {
            q.put("b");
            q.put("c");
        });
        assertEquals(3, q.size());
        assertEquals(3, q.unfinishedTasks());
        assertEquals("a", q.get());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aGetterWhoseTimeoutFiresAfterItWasHandedAnItemLosesNothing(IntFunction<AbstractFiberQueue<String>> make)
            throws InterruptedException {
        AbstractFiberQueue<String> q = make.apply(0);
        Task<String> getter = Fibers.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
                return q.get();
            }
        });
        Fibers.sleep(Duration.ZERO);
        Thread.sleep(30); // holds the hub past the Timeout's deadline
        q.put("a");       // handed to the getter before the Timeout could fire
        getter.join();
        // The hub's next turn runs the due Timeout before the getter: it is cancelled holding "a".
        assertInstanceOf(FiberTimeoutException.class, getter.exception());
        assertEquals("a", q.poll(), "the item the getter was handed went back");
        assertEquals(1, q.unfinishedTasks());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void afterShutdownPutsRaiseAndGetsDrainThenRaise(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = holding(make, "a", "b");
        assertFalse(q.isShutdown());
        q.shutdown();
        assertTrue(q.isShutdown());
        assertTrue(q.toString().contains("shut down"), q.toString());
        QueueShutDown put = assertThrows(QueueShutDown.class, () -> q.put("c"));
        assertTrue(put.getMessage().contains(".put: the queue is shut down"), put.getMessage());
        assertThrows(QueueShutDown.class, () -> q.offer("c"));
        assertThrows(QueueShutDown.class, () -> q.offer("c", Duration.ofSeconds(1)));
        assertThrows(QueueShutDown.class, () -> q.put("c", Duration.ZERO));
        assertEquals(2, q.size());

        List<String> left = new ArrayList<>(List.of(q.get(), q.poll()));
        left.sort(null);
        assertEquals(List.of("a", "b"), left);
        QueueShutDown get = assertThrows(QueueShutDown.class, q::get);
        assertTrue(get.getMessage().contains(".get: the queue is shut down and empty"), get.getMessage());
        assertThrows(QueueShutDown.class, q::poll);
        assertThrows(QueueShutDown.class, () -> q.poll(Duration.ofSeconds(1)));
        assertThrows(QueueShutDown.class, () -> q.get(Duration.ofSeconds(1)));
        assertThrows(QueueShutDown.class, () -> q.peek(Duration.ofSeconds(1)));
        assertNull(q.peek(), "peek() only looks");

        assertEquals(2, q.unfinishedTasks(), "a shutdown leaves the count of items not done");
        q.taskDone();
        q.taskDone();
        assertTrue(q.join(Duration.ZERO));
        q.shutdown(); // again: nothing more
        assertTrue(q.isShutdown());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void shutdownWakesEveryWaiter(IntFunction<AbstractFiberQueue<String>> make) throws Exception {
        AbstractFiberQueue<String> empty = make.apply(0);
        AbstractFiberQueue<String> full = make.apply(1);
        full.put("kept");
        List<Task<QueueShutDown>> waiters = new ArrayList<>();
        waiters.add(Fibers.spawn(() -> Switches.assertOthersRan(() -> assertThrows(QueueShutDown.class, empty::get))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> empty.get(Duration.ofSeconds(30)))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> empty.poll(Duration.ofSeconds(30)))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> empty.peek(null))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> empty.peek(Duration.ofSeconds(30)))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> full.put("lost"))));
        waiters.add(Fibers.spawn(() -> assertThrows(QueueShutDown.class, () -> full.offer("lost", Duration.ofSeconds(30)))));
        Fibers.sleep(Duration.ofMillis(5));
        assertEquals(3, empty.getters());
        assertEquals(2, full.putters());
        Fibers.spawn(() -> {
            empty.shutdown();
            full.shutdown();
        });
        for (Task<QueueShutDown> w : waiters) {
            assertInstanceOf(QueueShutDown.class, w.get(Duration.ofSeconds(5)));
        }
        assertEquals(0, empty.getters());
        assertEquals(0, full.putters());
        assertEquals(List.of("kept"), drain(full), "the waiting putters' items were not added");
        assertThrows(QueueShutDown.class, full::get);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void immediateShutdownDropsTheItemsAndCountsThemDone(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = holding(make, "a", "b", "c");
        q.get(); // taken, not yet done
        Task<Boolean> joiner = Fibers.spawn(() -> q.join(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ZERO);
        q.shutdown(true);
        assertEquals(0, q.size());
        assertEquals(1, q.unfinishedTasks(), "the two dropped count as done; the one taken does not");
        assertThrows(QueueShutDown.class, q::get);
        Fibers.sleep(Duration.ZERO);
        assertFalse(joiner.isReady(), "one item is still being worked on");
        q.taskDone();
        assertTrue(joiner.get());

        AbstractFiberQueue<String> later = holding(make, "x");
        later.shutdown();
        assertEquals(1, later.size());
        later.shutdown(true);
        assertEquals(0, later.size(), "shutdown(true) after shutdown() drops what is left");
        assertEquals(0, later.unfinishedTasks());
        assertTrue(later.join(Duration.ZERO));
    }

    @ParameterizedTest(name = "immediate {0}")
    @ValueSource(booleans = {false, true})
    void anItemACancelledGetterGivesBackAfterShutdown(boolean immediate) {
        FiberQueue<String> q = new FiberQueue<>();
        handToAGetterThenKillIt(q, "a", () -> q.shutdown(immediate));
        if (immediate) {
            assertEquals(0, q.size(), "dropped, as the items left were");
            assertEquals(0, q.unfinishedTasks());
        } else {
            assertEquals("a", q.get(), "drained as an item left");
            assertEquals(1, q.unfinishedTasks());
        }
        assertThrows(QueueShutDown.class, q::get);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void iterationTakesEachItemAsItComesUntilShutdown(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = make.apply(0);
        Trace t = new Trace();
        Task<Void> consumer = Fibers.spawn(() -> {
            for (String item : q) {
                t.add("got " + item);
            }
            t.add("end");
        });
        Task<Void> producer = Fibers.spawn(() -> {
            for (String item : List.of("a", "b", "c")) {
                q.put(item);
                t.add("put " + item);
                Fibers.sleep(1);
            }
            q.shutdown();
            t.add("shut down");
        });
        Fibers.joinAll(consumer, producer);
        assertEquals("put a got a put b got b put c got c shut down end", t.toString());
        assertEquals(3, q.unfinishedTasks());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void iterationDrainsWhatIsLeftAtShutdownThenEnds(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = holding(make, "y", "x");
        q.shutdown();
        Iterator<String> it = q.iterator();
        List<String> seen = new ArrayList<>();
        seen.add(it.next()); // next() without hasNext() waits as hasNext() would
        assertTrue(it.hasNext());
        assertTrue(it.hasNext(), "hasNext() holds the item it took");
        seen.add(it.next());
        assertEquals(2, seen.size());
        assertTrue(seen.containsAll(List.of("x", "y")), seen.toString());
        assertFalse(it.hasNext());
        NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
        assertTrue(e.getMessage().contains("shut down and drained"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void peekWaitsForAnItemAndLeavesIt(IntFunction<AbstractFiberQueue<String>> make) throws Exception {
        AbstractFiberQueue<String> q = make.apply(0);
        Task<String> peeker = Fibers.spawn(() -> Switches.assertOthersRan(() -> q.peek(Duration.ofSeconds(30))));
        Fibers.spawnLater(Duration.ofMillis(20), () -> q.put("a"));
        assertEquals("a", peeker.get(Duration.ofSeconds(5)), "woken by the put, not by its own timeout");
        assertEquals(1, q.size(), "peek took nothing");
        assertEquals("a", q.peek(Duration.ZERO), "an item there: returns at once");
        assertEquals("a", q.get());

        long start = System.nanoTime();
        FiberTimeoutException e = assertThrows(FiberTimeoutException.class, () -> q.peek(Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - start >= 20_000_000L);
        assertTrue(e.getMessage().contains(".peek: queue empty"), e.getMessage());
        assertThrows(FiberTimeoutException.class, () -> q.peek(Duration.ZERO));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anItemHandedStraightToAGetterDoesNotEndAPeek(IntFunction<AbstractFiberQueue<String>> make) {
        AbstractFiberQueue<String> q = make.apply(0);
        Task<String> getter = Fibers.spawn(() -> q.get());
        Task<String> peeker = Fibers.spawn(() -> q.peek(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ZERO);
        q.put("a");
        assertEquals("a", getter.get());
        Fibers.sleep(Duration.ZERO);
        assertFalse(peeker.isReady(), "the item was never in the queue");
        q.put("b");
        assertEquals("b", peeker.get(Duration.ofSeconds(5)), "woken by the put, not by its own timeout");
        assertEquals(1, q.size());
    }

    @Test
    void peekReturnsTheItemThatIsNextWhenItReturns() {
        PriorityQueue<Integer> q = new PriorityQueue<>();
        Task<Integer> peeker = Fibers.spawn(() -> q.peek(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ZERO);
        q.put(3); // wakes the peeker, which runs only after both puts
        q.put(1);
        assertEquals(1, peeker.get(Duration.ofSeconds(5)));
        // a peeker cancelled after it was woken held nothing
        q.get();
        q.get();
        Task<Integer> cancelled = Fibers.spawn(() -> q.peek(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ZERO);
        q.put(9);
        cancelled.kill(new FiberExit(), false, null);
        cancelled.join();
        assertTrue(cancelled.isKilled());
        assertEquals(List.of(9), drain(q));
    }

    /** An unbounded queue made by {@code make}, with {@code items} put. */
    private static AbstractFiberQueue<String> holding(IntFunction<AbstractFiberQueue<String>> make, String... items) {
        AbstractFiberQueue<String> q = make.apply(0);
        for (String item : items) {
            q.put(item);
        }
        return q;
    }

    /**
     * Spawns a getter, hands it {@code item} by a put, runs {@code meanwhile}, then kills the getter
     * before it ran: it is cancelled holding the item, which it gives back.
     */
    private static <T> void handToAGetterThenKillIt(AbstractFiberQueue<T> q, T item, Runnable meanwhile) {
        Task<T> getter = Fibers.spawn(() -> q.get());
        Fibers.sleep(Duration.ZERO);
        q.put(item);
        assertEquals(0, q.size(), "handed to the waiting getter, not stored");
        meanwhile.run();
        getter.kill(new FiberExit(), false, null);
        getter.join();
        assertTrue(getter.isKilled());
    }

    private static <T> List<T> drain(AbstractFiberQueue<T> q) {
        List<T> out = new ArrayList<>();
        for (T v; !q.isEmpty() && (v = q.poll()) != null; ) {
            out.add(v);
        }
        return out;
    }
}
