package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue #9 on Group and Pool: an input that throws (9.1), and gevent's apply, apply_async, map_async,
 * imap's look-ahead bound and add with a timeout (PoolFull).
 */
class PoolGeventTest extends HubTestBase {
    private static final List<Integer> ITEMS = IntStream.range(0, 10).boxed().toList();

    /** Yields 1 and 2, then fails in next() or in hasNext(); counts the items it gave. */
    private static final class Failing implements Iterable<Integer> {
        final RuntimeException error = new IllegalStateException("the input broke");
        final boolean inHasNext;
        int given;

        Failing(boolean inHasNext) {
            this.inHasNext = inHasNext;
        }

        @Override
        public Iterator<Integer> iterator() {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    if (inHasNext && given == 2) {
                        throw error;
                    }
                    return true;
                }

                @Override
                public Integer next() {
                    if (given == 2) {
                        throw error;
                    }
                    return ++given;
                }
            };
        }
    }

    private static final Group.Fn<Integer, Integer> DOUBLE = i -> {
        Fibers.sleep(1);
        return 2 * i;
    };

    /** The ways to run a map over {@code items} to the end; each returns the results. */
    private static List<Function<Iterable<Integer>, List<Integer>>> mappers(Group g) {
        return List.of(
                items -> g.map(DOUBLE, items),
                items -> drain(g.imap(DOUBLE, items)),
                items -> drain(g.imapUnordered(DOUBLE, items)));
    }

    private static List<Integer> drain(Iterable<Integer> results) {
        List<Integer> out = new ArrayList<>();
        results.forEach(out::add);
        return out;
    }

    /**
     * 9.1: the input's exception comes out of map, imap and imapUnordered in the caller, for a Group
     * and a Pool, whether next() or hasNext() throws, while another fiber (the ticker) is alive:
     * before, the reader waited forever (or got LoopExit with nobody else alive). The Timeout turns
     * such a hang into a failure here.
     */
    @Test
    void theInputsExceptionComesOutOfTheMapCall() throws Exception {
        for (boolean inHasNext : List.of(false, true)) {
            for (Group g : List.of(new Group(), new Pool(2))) {
                int m = 0;
                for (Function<Iterable<Integer>, List<Integer>> mapper : mappers(g)) {
                    Failing input = new Failing(inHasNext);
                    String what = g + " mapper " + m++ + (inHasNext ? ", hasNext throws" : ", next throws");
                    RuntimeException e = Switches.assertOthersRan(() -> assertThrows(RuntimeException.class,
                            () -> Fibers.withTimeout(Duration.ofSeconds(5), () -> mapper.apply(input)), what));
                    assertSame(input.error, e, what);
                    assertEquals(2, input.given, what);
                    g.join(); // the two tasks spawned before the failure were left to finish
                }
            }
        }
    }

    @Test
    void imapReturnsTheItemsBeforeTheInputFailedThenItsException() {
        for (Group g : List.of(new Group(), new Pool(1))) {
            Failing input = new Failing(true);
            Iterator<Integer> it = g.imap(DOUBLE, input).iterator();
            assertEquals(2, it.next());
            assertEquals(4, it.next());
            assertSame(input.error, assertThrows(IllegalStateException.class, it::hasNext));
            assertSame(input.error, assertThrows(IllegalStateException.class, it::next), "it stays failed");
        }
    }

    @Test
    void anInputWhoseIteratorCannotBeMadeFailsTheMapToo() {
        UnsupportedOperationException broken = new UnsupportedOperationException("no iterator");
        Iterable<Integer> input = () -> {
            throw broken;
        };
        Fibers.spawn(() -> Fibers.sleep(10_000)); // alive: the reader must not wait for it
        assertSame(broken, assertThrows(UnsupportedOperationException.class, () -> new Pool(3).map(DOUBLE, input)));
        assertSame(broken, assertThrows(UnsupportedOperationException.class,
                () -> drain(new Group().imapUnordered(DOUBLE, input))));
    }

    @Test
    void mapArgumentsAreCheckedAtTheCall() {
        Pool p = new Pool(2);
        assertEquals("fn", assertThrows(NullPointerException.class, () -> p.map(null, ITEMS)).getMessage());
        assertEquals("items", assertThrows(NullPointerException.class, () -> p.imap(DOUBLE, null)).getMessage());
        assertEquals("items",
                assertThrows(NullPointerException.class, () -> p.imapUnordered(DOUBLE, null)).getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.imap(DOUBLE, ITEMS, 0));
        assertTrue(e.getMessage().contains("maxsize"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.imapUnordered(DOUBLE, ITEMS, -1));
    }

    // ---------------------------------------------------------------------------- imap look-ahead

    /** An input that records, at each item it gives, how many it gave beyond those the reader took. */
    private static final class Counting implements Iterable<Integer> {
        final int n;
        int given;
        int taken;
        int maxAhead;

        Counting(int n) {
            this.n = n;
        }

        @Override
        public Iterator<Integer> iterator() {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return given < n;
                }

                @Override
                public Integer next() {
                    given++;
                    maxAhead = Math.max(maxAhead, given - taken);
                    return given;
                }
            };
        }
    }

    @Test
    void poolImapReadsAtMostTwiceItsSizeAheadOfASlowReader() {
        Pool pool = new Pool(3);
        Counting input = new Counting(40);
        int[] running = {0, 0};
        Group.Fn<Integer, Integer> fn = i -> {
            running[0]++;
            running[1] = Math.max(running[1], running[0]);
            Fibers.sleep(1);
            running[0]--;
            return i;
        };
        List<Integer> out = new ArrayList<>();
        for (int v : pool.imapUnordered(fn, input)) {
            input.taken++;
            out.add(v);
            Fibers.sleep(5); // a slow reader: every call could end meanwhile
        }
        assertEquals(40, out.size());
        assertEquals(6, input.maxAhead, "2 x size: 3 running and 3 finished results waiting");
        assertEquals(3, running[1]);
        // ordered, with an explicit bound
        Counting ordered = new Counting(20);
        List<Integer> inOrder = new ArrayList<>();
        for (int v : pool.imap(fn, ordered, 4)) {
            ordered.taken++;
            inOrder.add(v);
            Fibers.sleep(5);
        }
        assertEquals(IntStream.rangeClosed(1, 20).boxed().toList(), inOrder);
        assertEquals(4, ordered.maxAhead);
    }

    @Test
    void aMaxsizeOfOneRunsTheCallsOneAtATimeAndAGroupHasNoBound() {
        int[] running = {0, 0};
        Group.Fn<Integer, Integer> fn = i -> {
            running[0]++;
            running[1] = Math.max(running[1], running[0]);
            Fibers.sleep(2);
            running[0]--;
            return i;
        };
        assertEquals(List.of(1, 2, 3, 4), drain(new Group().imap(fn, List.of(1, 2, 3, 4), 1)));
        assertEquals(1, running[1]);
        Counting input = new Counting(50);
        Iterator<Integer> it = new Group().imap(fn, input).iterator();
        assertEquals(1, it.next());
        assertEquals(50, input.maxAhead, "a Group reads its whole input at once, as gevent's default");
        // map reads without a bound, so a slow first item does not stall the pool: the last item
        // starts while the first still runs (imap, bound to 2 x 2 items ahead, would wait for it)
        Pool pool = new Pool(2);
        boolean[] firstEnded = {false};
        List<Boolean> lastStartedAfterFirst = new ArrayList<>();
        List<Integer> mapped = pool.map(i -> {
            if (i == 12) {
                lastStartedAfterFirst.add(firstEnded[0]);
            }
            Fibers.sleep(i == 1 ? 300 : 1);
            firstEnded[0] |= i == 1;
            return i;
        }, IntStream.rangeClosed(1, 12).boxed().toList());
        assertEquals(IntStream.rangeClosed(1, 12).boxed().toList(), mapped);
        assertEquals(List.of(false), lastStartedAfterFirst);
        lastStartedAfterFirst.clear();
        firstEnded[0] = false;
        drain(pool.imap(i -> {
            if (i == 12) {
                lastStartedAfterFirst.add(firstEnded[0]);
            }
            Fibers.sleep(i == 1 ? 50 : 1);
            firstEnded[0] |= i == 1;
            return i;
        }, IntStream.rangeClosed(1, 12).boxed().toList()));
        assertEquals(List.of(true), lastStartedAfterFirst, "imap's look-ahead waits for the slow first item");
    }

    // ---------------------------------------------------------------------------- apply & co

    @Test
    void applyRunsInThePoolAndReturnsTheValue() throws Exception {
        Pool pool = new Pool(2);
        Task<?>[] member = {null};
        int v = Switches.assertOthersRan(() -> pool.apply(() -> {
            member[0] = Fibers.currentTask();
            assertTrue(pool.contains(member[0]), "it runs as a member of the pool");
            Fibers.sleep(10);
            return 42;
        }));
        assertEquals(42, v);
        assertNotSame(null, member[0]);
        assertEquals(0, pool.size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.apply(() -> {
            throw new IllegalStateException("in apply");
        }));
        assertEquals("in apply", e.getMessage());
        CompletionException c = assertThrows(CompletionException.class, () -> pool.apply(() -> {
            throw new IOException("checked");
        }));
        assertInstanceOf(IOException.class, c.getCause());
        assertThrows(NullPointerException.class, () -> pool.apply(null));
    }

    @Test
    void applyFromAMemberOfAFullPoolRunsInline() {
        Pool pool = new Pool(1);
        Task<String> t = pool.spawn(() -> {
            Task<?> me = Fibers.currentTask();
            // the pool is full (this task holds its only slot): a spawn here would wait for ever
            return pool.apply(() -> Fibers.currentTask() == me ? "inline" : "spawned");
        });
        assertEquals("inline", t.get(Duration.ofSeconds(5)));
        Task<Void> checked = pool.spawn(() -> {
            CompletionException e = assertThrows(CompletionException.class, () -> pool.apply(() -> {
                throw new IOException("inline checked");
            }));
            assertInstanceOf(IOException.class, e.getCause());
        });
        checked.get();
    }

    @Test
    void applyAsyncNeverWaitsEvenWhenThePoolIsFull() {
        Pool pool = new Pool(1);
        Task<Integer> a = pool.applyAsync(() -> {
            Fibers.sleep(20);
            return 1;
        });
        assertTrue(pool.contains(a), "with room, the task is a member");
        long start = System.nanoTime();
        Task<Integer> b = pool.applyAsync(() -> {
            assertTrue(a.isReady(), "b ran in the pool only once a left it");
            return 2;
        });
        assertTrue(System.nanoTime() - start < 10_000_000L, "applyAsync returned at once on a full pool");
        assertFalse(pool.contains(b), "full: a plain task that waits for a slot");
        assertEquals(2, b.get());
        assertEquals(1, a.get());
        assertThrows(NullPointerException.class, () -> pool.applyAsync(null));
    }

    @Test
    void applyAsyncCallbackGetsTheValueOnlyOnSuccess() {
        Pool pool = new Pool(2);
        List<Object> got = new ArrayList<>();
        Task<String> ok = pool.applyAsync(() -> "value", got::add);
        Task<String> bad = pool.applyAsync(() -> {
            throw new IllegalStateException("failed");
        }, got::add);
        bad.join();
        ok.join();
        Fibers.sleep(5); // links may run after the join
        assertEquals(List.of("value"), got);
        assertInstanceOf(IllegalStateException.class, bad.exception());
        assertEquals("callback",
                assertThrows(NullPointerException.class, () -> pool.applyAsync(() -> 1, null)).getMessage());
    }

    @Test
    void mapAsyncReturnsATaskOfTheResults() throws Exception {
        Pool pool = new Pool(3);
        Task<List<Integer>> t = pool.mapAsync(DOUBLE, ITEMS);
        assertFalse(t.isReady(), "returned before the calls ran");
        assertFalse(pool.contains(t), "the map's own task holds no slot");
        List<Integer> out = Switches.assertOthersRan(() -> t.get());
        assertEquals(ITEMS.stream().map(i -> 2 * i).toList(), out);
        Task<List<Integer>> failing = pool.mapAsync(i -> {
            if (i == 4) {
                throw new IllegalArgumentException("item 4");
            }
            return i;
        }, ITEMS);
        assertEquals("item 4", assertThrows(IllegalArgumentException.class, failing::get).getMessage());
        Failing input = new Failing(false);
        assertSame(input.error, assertThrows(IllegalStateException.class, pool.mapAsync(DOUBLE, input)::get));
        pool.join();
        assertThrows(NullPointerException.class, () -> pool.mapAsync(null, ITEMS));
    }

    @Test
    void mapAsyncCallbackReceivesTheList() {
        Pool pool = new Pool(2);
        List<List<Integer>> got = new ArrayList<>();
        Task<List<Integer>> t = pool.mapAsync(DOUBLE, List.of(1, 2, 3), got::add);
        assertEquals(List.of(2, 4, 6), t.get());
        assertEquals(List.of(List.of(2, 4, 6)), got);
        Task<List<Integer>> f = pool.mapAsync(DOUBLE, List.of(1), r -> {
            throw new IllegalStateException("callback failed");
        });
        assertEquals("callback failed", assertThrows(IllegalStateException.class, f::get).getMessage());
        assertEquals("callback",
                assertThrows(NullPointerException.class, () -> pool.mapAsync(DOUBLE, ITEMS, null)).getMessage());
    }

    // ---------------------------------------------------------------------------- add(task, timeout)

    @Test
    void addWithATimeoutRaisesPoolFullWhenNoSlotFrees() throws Exception {
        Pool pool = new Pool(1);
        Task<Void> holder = pool.spawn(() -> Fibers.sleep(10_000));
        Task<Void> t = Fibers.spawn(() -> Fibers.sleep(10_000));
        long start = System.nanoTime();
        PoolFull e = Switches.assertOthersRan(
                () -> assertThrows(PoolFull.class, () -> pool.add(t, Duration.ofMillis(30))));
        assertTrue(System.nanoTime() - start >= 25_000_000L, "it waited for the timeout");
        assertTrue(e.getMessage().contains("no free slot"), e.getMessage());
        assertFalse(pool.contains(t));
        assertEquals(1, pool.size());
        assertThrows(PoolFull.class, () -> pool.add(t, Duration.ZERO));
        assertFalse(t.isReady(), "a task refused keeps running");
        assertThrows(IllegalArgumentException.class, () -> pool.add(t, Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> pool.add(null, Duration.ZERO));
        holder.kill();
        pool.add(t, Duration.ZERO);
        assertTrue(pool.contains(t));
        t.kill();
    }

    @Test
    void addWithATimeoutSucceedsWhenASlotFreesInTime() {
        Pool pool = new Pool(1);
        pool.spawn(() -> Fibers.sleep(10));
        Task<Void> t = Fibers.spawn(() -> Fibers.sleep(10_000));
        pool.add(t, Duration.ofSeconds(5));
        assertTrue(pool.contains(t));
        assertEquals(1, pool.size());
        Group g = new Group();
        g.add(t, Duration.ZERO); // a group is never full
        assertTrue(g.contains(t));
        t.kill();
        assertEquals(0, pool.size());
        assertNull(t.exception());
    }
}
