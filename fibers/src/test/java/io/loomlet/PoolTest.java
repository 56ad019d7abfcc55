package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoolTest extends HubTestBase {
    private static final List<Integer> ITEMS = IntStream.range(0, 10).boxed().toList();

    @Test
    void spawnWaitsWhileFull() {
        Pool pool = new Pool(2);
        Trace t = new Trace();
        pool.spawn(() -> Fibers.sleep(20));
        pool.spawn(() -> Fibers.sleep(20));
        assertEquals(0, pool.freeCount());
        assertTrue(pool.isFull());
        Fibers.spawn(() -> t.add("other fiber ran while spawn waited"));
        long start = System.nanoTime();
        pool.spawn(() -> t.add("third ran"));
        assertTrue(System.nanoTime() - start >= 15_000_000L, "spawn waited for a slot");
        pool.join();
        assertEquals("other fiber ran while spawn waited third ran", t.toString());
        assertEquals(2, pool.freeCount());
    }

    @Test
    void mapKeepsOrderAndBoundsConcurrency() {
        Pool pool = new Pool(3);
        int[] running = {0, 0};
        List<Integer> out = pool.map(i -> {
            running[0]++;
            running[1] = Math.max(running[1], running[0]);
            Fibers.sleep(10 - i); // later items finish first
            running[0]--;
            return i * i;
        }, ITEMS);
        assertEquals(ITEMS.stream().map(i -> i * i).toList(), out);
        assertEquals(3, running[1]);
    }

    @Test
    void imapUnorderedYieldsByCompletion() {
        Group g = new Group();
        List<Integer> out = new ArrayList<>();
        for (int v : g.imapUnordered(i -> {
            Fibers.sleep(3 * (5 - i));
            return i;
        }, List.of(0, 1, 2, 3, 4))) {
            out.add(v);
        }
        assertEquals(List.of(4, 3, 2, 1, 0), out);
        List<Integer> ordered = new ArrayList<>();
        new Pool(2).imap(i -> i + 1, List.of(1, 2, 3)).forEach(ordered::add);
        assertEquals(List.of(2, 3, 4), ordered);
    }

    @Test
    void mapRaisesTheFailure() {
        Pool pool = new Pool(4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.map(i -> {
            if (i == 3) {
                throw new IllegalStateException("item 3");
            }
            return i;
        }, ITEMS));
        assertEquals("item 3", e.getMessage());
        pool.join();
    }

    @Test
    void groupJoinTimeoutAndKill() {
        Group g = new Group();
        Trace t = new Trace();
        for (int i = 0; i < 3; i++) {
            g.spawn(() -> {
                try {
                    Fibers.sleep(10_000);
                } finally {
                    t.add("cleanup");
                }
            });
        }
        assertFalse(g.join(Duration.ofMillis(20), false));
        assertEquals(3, g.size());
        g.kill();
        assertEquals(0, g.size());
        assertEquals("cleanup cleanup cleanup", t.toString());
        assertEquals(Integer.MAX_VALUE, g.freeCount());
    }

    @Test
    void groupJoinRaiseError() {
        Group g = new Group();
        g.spawn(() -> {
            Fibers.sleep(5);
            throw new IllegalArgumentException("in group");
        });
        assertThrows(IllegalArgumentException.class, () -> g.join(null, true));
    }

    @Test
    void failingMemberNobodyJoinsIsStillReported() {
        Group g = new Group();
        g.spawn(() -> {
            throw new IllegalStateException("member failed");
        });
        Fibers.sleep(Duration.ZERO);
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, reported.size(), reported.toString());
        assertEquals(0, g.size());
    }

    @Test
    void waitAvailable() {
        Pool p = new Pool(1);
        p.spawn(() -> Fibers.sleep(20));
        assertEquals(0, p.waitAvailable(Duration.ofMillis(1)));
        assertEquals(1, p.waitAvailable(Duration.ofSeconds(2)));
    }
}
