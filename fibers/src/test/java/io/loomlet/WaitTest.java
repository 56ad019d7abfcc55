package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loomlet.sync.Event;
import io.loomlet.sync.Semaphore;
import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: {@code Fibers.iwait} and {@code Fibers.wait} over any {@link Waitable} (Event,
 * AsyncResult, Semaphore, Task), with a count and a timeout, and an abandoned iwait that lets go of
 * what it watched (gevent's {@code iwait}/{@code wait}).
 */
class WaitTest extends HubTestBase {

    /** A waitable that only records who watches it: what an iwait leaves behind is visible. */
    static final class Recorded implements Waitable {
        final Set<Waitable.Watcher> watchers = ConcurrentHashMap.newKeySet();

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public boolean watch(Waitable.Watcher w) {
            watchers.add(w);
            return true;
        }

        @Override
        public void unwatch(Waitable.Watcher w) {
            watchers.remove(w);
        }
    }

    @Test
    void iwaitYieldsMixedWaitablesInTheOrderTheyBecomeReady() throws Exception {
        Event event = new Event();
        AsyncResult<String> result = new AsyncResult<>();
        Semaphore semaphore = new Semaphore(0);
        Task<String> task = Fibers.spawn(() -> {
            Fibers.sleep(5);
            return "t";
        });
        Fibers.spawn(() -> {
            Fibers.sleep(15);
            semaphore.release();
            Fibers.sleep(10);
            result.set("r");
            Fibers.sleep(10);
            event.set();
        });
        List<Waitable> order = new ArrayList<>();
        Switches.assertOthersRan(2, () -> {
            for (Waitable w : Fibers.iwait(List.of(event, result, semaphore, task))) {
                order.add(w);
            }
        });
        assertEquals(List.of(task, semaphore, result, event), order);
        assertEquals(1, semaphore.availablePermits(), "waiting for a semaphore takes no permit");
    }

    @Test
    void iwaitCountsAndTimesOutAndWaitReturnsTheReadyOnes() {
        Event never = new Event();
        Event set = new Event();
        set.set();
        AsyncResult<String> soon = new AsyncResult<>();
        Fibers.spawn(() -> {
            Fibers.sleep(10);
            soon.set("s");
        });
        // ready at once first, then in order; the count ends it before `never`
        assertEquals(List.of(set, soon), Fibers.wait(List.of(never, soon, set), null, 2));
        assertEquals(List.of(set), Fibers.wait(List.of(never, set), Duration.ofMillis(20)), "timed out after one");
        assertEquals(List.of(), Fibers.wait(List.of(never), Duration.ZERO), "zero: only what is ready now");
        assertEquals(List.of(soon, set), Fibers.wait(List.of(soon, set)));
    }

    @Test
    void anIwaitWakesWhenAnotherThreadMakesItsWaitableReady() throws Exception {
        Event e = new Event();
        Semaphore s = new Semaphore(0);
        Thread other = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException ex) {
                return;
            }
            s.release();
            e.set();
        }, "other");
        other.start();
        // nothing else on this hub and no timeout: a wait another thread may end is no LoopExit
        assertEquals(Set.of(e, s), Set.copyOf(Fibers.wait(List.of(e, s))));
        other.join();
    }

    @Test
    void anIwaitThatEndsClosesOrThrowsLetsGoAtOnce() {
        Recorded r = new Recorded();
        AsyncResult<String> done = new AsyncResult<>();
        done.set("x");
        // count reached
        try (WaitIterator<Waitable> it = Fibers.iwait(List.of(r, done), null, 1)) {
            assertEquals(done, it.next());
            assertTrue(r.watchers.isEmpty(), "let go once the count was reached");
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
        }
        // timed out
        assertEquals(List.of(), Fibers.wait(List.of(r), Duration.ofMillis(5)));
        assertTrue(r.watchers.isEmpty(), "let go after the timeout");
        // closed early
        WaitIterator<Waitable> it = Fibers.iwait(List.of(r, done));
        assertEquals(done, it.next());
        assertEquals(1, r.watchers.size());
        it.close();
        assertTrue(r.watchers.isEmpty(), "let go when closed");
        assertFalse(it.hasNext());
        // a wait that throws (a Timeout around it)
        WaitIterator<Waitable> it2 = Fibers.iwait(List.of(r));
        assertThrows(FiberTimeoutException.class, () -> Fibers.withTimeout(Duration.ofMillis(5), it2::hasNext));
        assertTrue(r.watchers.isEmpty(), "let go when the wait was cancelled");
    }

    @Test
    void anAbandonedIwaitLetsGoOnceItIsGarbage() throws Exception {
        Recorded r = new Recorded();
        Event e = new Event();
        AsyncResult<String> result = new AsyncResult<>();
        AsyncResult<String> done = new AsyncResult<>();
        done.set("x");
        takeOneAndAbandon(List.of(r, e, result, done), done);
        assertEquals(1, r.watchers.size(), "still watched until the iterator is collected");
        long end = System.nanoTime() + 10_000_000_000L;
        while (!r.watchers.isEmpty()) {
            if (System.nanoTime() > end) {
                fail("the abandoned iwait still watches after 10 s of collections");
            }
            System.gc();
            Thread.sleep(10);
        }
        // the real waitables were let go too: setting them later tells nobody (no error, no leak)
        e.set();
        result.set("late");
        Fibers.sleep(Duration.ZERO);
        assertTrue(reported.isEmpty(), () -> "reported: " + reported);
    }

    /** In a frame of its own, so nothing on the test's stack keeps the iterator alive. */
    private static void takeOneAndAbandon(List<Waitable> objects, Waitable first) {
        for (Waitable w : Fibers.iwait(objects)) {
            assertEquals(first, w);
            break; // abandoned: neither exhausted nor closed
        }
    }

    @Test
    void badArgumentsAreRefusedAtTheCall() {
        Event e = new Event();
        NullPointerException npe = assertThrows(NullPointerException.class, () -> Fibers.iwait(Arrays.asList(e, null)));
        assertTrue(npe.getMessage().contains("null among the objects"), npe.getMessage());
        npe = assertThrows(NullPointerException.class, () -> Fibers.wait(null));
        assertTrue(npe.getMessage().contains("objects"), npe.getMessage());
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> Fibers.iwait(List.of(e), null, -1));
        assertTrue(iae.getMessage().contains("count"), iae.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Fibers.wait(List.of(e), Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> e.watch(null));
        assertThrows(NullPointerException.class, () -> new AsyncResult<String>().watch(null));
    }
}
