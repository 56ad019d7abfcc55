package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Issue #9 on Group and Pool: an input that throws (9.1). */
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
    }
}
