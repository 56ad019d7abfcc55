package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gevent.queue's kinds (FIFO, LIFO, priority). What every blocking primitive shares is in WaitContractTest; the FIFO queue's join and
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
                () -> q.put("x", negative), () -> q.join(negative))) {
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
