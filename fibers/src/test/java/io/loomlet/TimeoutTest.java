package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.sync.FiberQueue;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutTest extends HubTestBase {

    @Test
    void firesAtTheBlockingPointAndOthersRunMeanwhile() {
        FiberQueue<String> q = new FiberQueue<>();
        Trace t = new Trace();
        Task<Void> other = Fibers.spawn(() -> {
            for (int i = 0; i < 3; i++) {
                t.add("other");
                Fibers.sleep(5);
            }
        });
        long start = System.nanoTime();
        Timeout to = Timeout.start(Duration.ofMillis(50));
        FiberTimeoutException e = assertThrows(FiberTimeoutException.class, q::get);
        to.close();
        assertSame(to, e.timeout());
        assertTrue(System.nanoTime() - start >= 50_000_000L);
        assertTrue(to.isExpired());
        assertEquals("other other other", t.toString());
        other.join();
        assertEquals(0, q.size());
        q.put("not lost"); // the timed-out getter left the wait list
        assertEquals("not lost", q.get());
    }

    @Test
    void closedTimeoutNeverFires() {
        try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
            assertTrue(t.isPending());
        }
        Fibers.sleep(40); // well past the deadline: no exception
    }

    @Test
    void timeoutThatFiredWhileRunningRaisesAtNextBlockingPointUnlessClosed() {
        Timeout t = Timeout.start(Duration.ofMillis(5));
        long end = System.nanoTime() + 30_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait(); // busy, not blocking: the timer fires inside the next blocking call
        }
        assertThrows(FiberTimeoutException.class, () -> Fibers.sleep(Duration.ZERO));
        t.close();

        Timeout t2 = Timeout.start(Duration.ofMillis(5));
        Task<Void> busy = Fibers.spawn(() -> Fibers.sleep(20)); // root parks in join: t2 fires there
        assertThrows(FiberTimeoutException.class, busy::join);
        t2.close();
        busy.join();
    }

    @Test
    void nestedTimeoutsTellTheirsApart() {
        Task<String> t = Fibers.spawn(() -> {
            try (Timeout outer = Timeout.start(Duration.ofMillis(30))) {
                try (Timeout inner = Timeout.start(Duration.ofSeconds(10))) {
                    Fibers.sleep(1000);
                    return "no";
                } catch (FiberTimeoutException e) {
                    return e.timeout() == outer ? "outer fired" : "inner fired";
                }
            }
        });
        assertEquals("outer fired", t.get());
    }

    @Test
    void withTimeoutHelpers() {
        assertEquals("fast", Fibers.withTimeout(Duration.ofSeconds(1), () -> "fast"));
        assertThrows(FiberTimeoutException.class,
                () -> Fibers.withTimeout(Duration.ofMillis(10), () -> {
                    Fibers.sleep(1000);
                    return "slow";
                }));
        assertEquals("default", Fibers.withTimeout(Duration.ofMillis(10), () -> {
            Fibers.sleep(1000);
            return "slow";
        }, "default"));
    }

    @Test
    void customException() {
        Timeout t = Timeout.start(Duration.ofMillis(5), () -> new IllegalStateException("custom"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fibers.sleep(100));
        assertEquals("custom", e.getMessage());
        t.close();
        assertFalse(t.isPending());
    }
}
