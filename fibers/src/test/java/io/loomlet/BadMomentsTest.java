package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.net.FiberServerSocket;
import io.loomlet.net.FiberSocket;
import io.loomlet.sync.Channel;
import io.loomlet.sync.Event;
import io.loomlet.sync.FiberQueue;
import io.loomlet.sync.Lock;
import io.loomlet.sync.Semaphore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hub survives every bad moment: huge and negative timeouts anywhere a timeout is accepted,
 * errors (stack overflow, no memory) thrown inside the loop or while an error is being reported,
 * and user objects whose {@code toString()} throws. After each, {@link #assertHubHealthy()} proves
 * the hub still schedules: no "blocking call in a hub callback", no "Not in scope".
 */
class BadMomentsTest extends HubTestBase {
    private static final Duration ONE_NANO = Duration.ofNanos(1);
    private static final List<Duration> HUGE = List.of(
            Duration.ofNanos(Long.MAX_VALUE), Duration.ofMillis(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE));

    /** Every public call that takes a timeout, given a task that blocks in it until killed or released. */
    static Stream<Arguments> blockingCalls() {
        List<Arguments> calls = new ArrayList<>();
        calls.add(Arguments.of("Fibers.sleep", (Consumer<Duration>) Fibers::sleep));
        calls.add(Arguments.of("Event.await", (Consumer<Duration>) d -> new Event().await(d)));
        calls.add(Arguments.of("Lock.acquire", (Consumer<Duration>) d -> {
            Lock l = new Lock();
            l.acquire();
            Fibers.spawn(() -> l.acquire(d)).get();
        }));
        calls.add(Arguments.of("Semaphore.acquire", (Consumer<Duration>) d -> new Semaphore(0).acquire(d)));
        calls.add(Arguments.of("FiberQueue.get", (Consumer<Duration>) d -> new FiberQueue<String>().get(d)));
        calls.add(Arguments.of("FiberQueue.put", (Consumer<Duration>) d -> {
            FiberQueue<String> q = new FiberQueue<>(1);
            q.put("full");
            q.put("more", d);
        }));
        calls.add(Arguments.of("FiberQueue.peek", (Consumer<Duration>) d -> new FiberQueue<String>().peek(d)));
        calls.add(Arguments.of("Channel.get", (Consumer<Duration>) d -> new Channel<String>().get(d)));
        calls.add(Arguments.of("Channel.put", (Consumer<Duration>) d -> new Channel<String>().put("x", d)));
        calls.add(Arguments.of("Task.join", (Consumer<Duration>) d -> Fibers.spawn(() -> new Event().await()).join(d)));
        calls.add(Arguments.of("AsyncResult.get", (Consumer<Duration>) d -> new AsyncResult<String>().get(d)));
        calls.add(Arguments.of("Fibers.joinAll", (Consumer<Duration>) d ->
                Fibers.joinAll(List.of(new AsyncResult<String>()), d, false)));
        calls.add(Arguments.of("Group.join", (Consumer<Duration>) d -> {
            Group g = new Group();
            g.spawn(() -> new Event().await());
            g.join(d, false);
        }));
        calls.add(Arguments.of("Timeout", (Consumer<Duration>) d -> {
            try (Timeout t = Timeout.start(d)) {
                new Event().await();
            }
        }));
        calls.add(Arguments.of("FiberSocket.read", (Consumer<Duration>) d -> {
            try (FiberServerSocket server = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0));
                 FiberSocket c = FiberSocket.connect(server.localAddress(), d)) {
                c.setReadTimeout(d).read(new byte[1], 0, 1);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }));
        calls.add(Arguments.of("FiberServerSocket.accept", (Consumer<Duration>) d -> {
            try (FiberServerSocket server = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
                server.accept(d);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }));
        return calls.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingCalls")
    void hugeTimeoutsMeanNoLimit(String name, Consumer<Duration> call) {
        for (Duration huge : HUGE) {
            Task<Void> t = Fibers.spawn(() -> call.accept(huge));
            Fibers.sleep(Duration.ofMillis(5));
            assertFalse(t.isReady(), name + "(" + huge + ") returned or failed at once: " + t.exception());
            t.kill();
            assertTrue(t.isKilled(), name + " ended by " + t.exception());
        }
        assertTrue(reported.isEmpty(), reported.toString());
        assertHubHealthy();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingCalls")
    void negativeTimeoutsAreRefusedAtTheCall(String name, Consumer<Duration> call) {
        Task<Void> t = Fibers.spawn(() -> call.accept(Duration.ofMillis(-1)));
        t.join(Duration.ofSeconds(5));
        assertInstanceOf(IllegalArgumentException.class, t.exception(), name + " ended by " + t.exception());
        assertTrue(t.exception().getMessage().contains("negative"), t.exception().getMessage());
        assertHubHealthy();
    }

    @Test
    void hugeDelaysNeverFireAndStayCancellable() {
        Trace trace = new Trace();
        for (Duration huge : HUGE) {
            Handle h = hub.callLater(huge, () -> trace.add("fired"));
            assertEquals(Double.POSITIVE_INFINITY, h.when());
            h.cancel();
            Task<Void> later = Fibers.spawnLater(huge, () -> trace.add("started"));
            Fibers.sleep(Duration.ofMillis(2));
            later.kill();
            assertTrue(later.isKilled());
        }
        hub.callAt(Double.MAX_VALUE, () -> trace.add("fired"));
        hub.callAt(Double.POSITIVE_INFINITY, () -> trace.add("fired"));
        assertThrows(IllegalArgumentException.class, () -> hub.callAt(Double.NaN, () -> { }));
        assertThrows(IllegalArgumentException.class, () -> hub.callLater(Duration.ofMillis(-1), () -> { }));
        Fibers.sleep(Duration.ofMillis(5));
        assertEquals("", trace.toString());
        assertHubHealthy();
    }

    @Test
    void errorsThrownByCallbacksAndByTheErrorHandlerItself() {
        List<String> seen = new ArrayList<>();
        hub.setErrorHandler((what, e) -> {
            seen.add(what);
            throw new OutOfMemoryError("the error handler ran out of memory");
        });
        hub.callSoon(() -> {
            throw new StackOverflowError("a callback overflowed");
        });
        hub.callLater(Duration.ofMillis(1), () -> {
            throw new OutOfMemoryError("a timed callback ran out");
        });
        Fibers.spawn(() -> {
            throw new StackOverflowError("an unjoined task overflowed");
        });
        Fibers.sleep(Duration.ofMillis(10));
        assertEquals(3, seen.size(), seen.toString());
        assertHubHealthy();
    }

    @Test
    void userObjectsWhoseToStringThrows() {
        Object bad = new Object() {
            @Override
            public String toString() {
                throw new IllegalStateException("toString() exploded");
            }
        };
        Runnable badCallback = new Runnable() {
            @Override
            public void run() {
                throw new IllegalArgumentException("callback failed");
            }

            @Override
            public String toString() {
                throw new OutOfMemoryError("toString() ran out of memory");
            }
        };
        hub.callSoon(badCallback);
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.get(0).contains("toString() threw"), reported.get(0));

        // A LoopExit message names the blocker; its toString() throwing must not turn it into another error.
        LoopExit e = assertThrows(LoopExit.class, () -> Park.park(bad, Park.NO_DEADLINE, Park.Wake.SAME_HUB, null));
        assertTrue(e.getMessage().contains("toString() threw"), e.getMessage());

        Task<Object> parked = Fibers.spawn(() -> Park.park(bad, Park.NO_DEADLINE, Park.Wake.SAME_HUB, null));
        Fibers.sleep(Duration.ZERO);
        assertTrue(Fibers.dump().contains("toString() threw"), "the dump describes the blocker safely");
        parked.kill();
        assertHubHealthy();
    }

    @Test
    void theAbortOfAParkFailing() {
        Task<Object> t = Fibers.spawn(() -> Park.park("bad abort", System.nanoTime() + 1_000_000, Park.Wake.SAME_HUB,
                f -> {
                    throw new OutOfMemoryError("abort ran out");
                }));
        assertEquals(Park.TIMED_OUT, t.get(), "the park still times out");
        assertEquals(1, reported.size(), reported.toString());
        assertHubHealthy();
    }

    @Test
    void aTimeoutWhoseExceptionCannotBeBuilt() {
        Task<Void> t = Fibers.spawn(() -> {
            try (Timeout x = Timeout.start(Duration.ofMillis(1), () -> {
                throw new StackOverflowError("building the exception overflowed");
            })) {
                Fibers.sleep(30);
            }
        });
        t.get();
        assertEquals(1, reported.size(), "the failing timer is reported: " + reported);
        assertHubHealthy();
    }

    /**
     * Real stack overflows on the root's stack, the stack the loop itself runs on: with a blocking
     * call at every level, the overflow lands inside the hub's own frames (park, the trampoline, the
     * loop's phases, a fiber being resumed) more often than in the user's. Several frame sizes move
     * where it lands.
     */
    @Test
    void realStackOverflowsInsideTheLoop() {
        Fibers.spawn(() -> {
            for (;;) {
                Fibers.sleep(Duration.ZERO); // another fiber, so each sleep(0) really switches
            }
        });
        for (int pad = 0; pad < 6; pad++) {
            int p = pad;
            assertThrows(StackOverflowError.class, () -> deep(0, p, 1));
            assertHubHealthy();
        }
        // and through park (a timed sleep at each level) rather than a plain yield
        for (int pad = 0; pad < 6; pad++) {
            int p = pad;
            assertThrows(StackOverflowError.class, () -> deepParks(0, p));
            assertHubHealthy();
        }
    }

    private static int deepParks(int n, int pad) {
        long a = n;
        if (pad > 0 && n % (pad + 1) == 0) {
            Fibers.sleep(ONE_NANO);
        } else {
            Fibers.sleep(ONE_NANO);
            a += n;
        }
        return deepParks(n + 1, pad) + (int) a;
    }

    /**
     * A fiber that overflows its stack dies of it; its task fails with it and the hub goes on. (It
     * does not block on the way down: a continuation hundreds of thousands of frames deep takes the
     * JDK very long to unmount, which is no test of Loomlet.)
     */
    @Test
    void aFiberThatOverflowsItsStack() {
        Task<Integer> t = Fibers.spawn(() -> recurse(0));
        t.join();
        assertInstanceOf(StackOverflowError.class, t.exception());
        assertHubHealthy();
    }

    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    private static int deep(int n, int pad, int yieldEvery) {
        long a = n, b = n * 2L, c = n * 3L;
        if (n % yieldEvery == 0) {
            if (pad > 0 && n % (pad + 1) == 0) {
                Fibers.sleep(Duration.ZERO);
            } else {
                Fibers.sleep(Duration.ZERO);
                a += b + c;
            }
        }
        return deep(n + 1, pad, yieldEvery) + (int) a;
    }

    /** The hub schedules: tasks run and join, sleeps wake, events pass between fibers, the root blocks. */
    /**
     * The selector hands ready keys to the hub during the select, and another thread may cancel a
     * key at any moment (a raw close of the channel), even after the selector chose it: every query
     * of the key then throws. The hub's action drops such a key instead of ending the select with an
     * exception in whatever blocking call runs the loop. Called here with a cancelled key directly,
     * as the race would, which no timing can reproduce on demand.
     */
    @Test
    void aKeyCancelledByAnotherThreadAsTheSelectorHandsItOverIsDropped() throws Exception {
        java.nio.channels.Pipe p = java.nio.channels.Pipe.open();
        java.nio.channels.Pipe q = java.nio.channels.Pipe.open();
        try {
            p.source().configureBlocking(false);
            q.source().configureBlocking(false);
            // a wait that times out leaves the channel registered, its read interest set
            Task<Boolean> waited = Fibers.spawn(() -> Park.waitIo(p.source(), java.nio.channels.SelectionKey.OP_READ,
                    System.nanoTime() + 2_000_000));
            assertFalse(waited.get(Duration.ofSeconds(5)));
            java.nio.channels.SelectionKey key = hub.reactor().keyOf(p.source());
            key.cancel();
            hub.reactor().ready(key); // threw CancelledKeyException before
            // and the selector still wakes a fiber waiting on another channel
            Task<Boolean> reader = Fibers.spawn(() -> Park.waitIo(q.source(), java.nio.channels.SelectionKey.OP_READ,
                    Park.NO_DEADLINE));
            Fibers.sleep(Duration.ofMillis(2));
            q.sink().write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            assertTrue(reader.get(Duration.ofSeconds(5)));
            assertHubHealthy();
        } finally {
            p.source().close();
            p.sink().close();
            q.source().close();
            q.sink().close();
        }
    }

    private void assertHubHealthy() {
        assertFalse(hub.isClosed());
        assertNull(Fibers.currentTask(), "the root is current again");
        assertTrue(Fiber.current().isRoot());
        Event go = new Event();
        Task<String> t = Fibers.spawn(() -> {
            go.await();
            Fibers.sleep(1);
            return "ok";
        });
        Fibers.spawn(go::set);
        long before = hub.switchCount();
        assertEquals("ok", t.get(Duration.ofSeconds(5)));
        assertTrue(hub.switchCount() > before);
        Fiber f = new Fiber(v -> Fiber.root().switchTo("switched"));
        assertEquals("switched", f.switchTo());
        Fibers.sleep(Duration.ZERO);
    }
    @Test
    void aTimedParkThatFailsBeforeItsSwitchLeavesNoDeadlineBehind() {
        // A park leaves its deadline for the loop to arm once the fiber has switched away
        // (Scheduler.armPending). An error between the two (here a park observer that throws, as a
        // stack overflow could) must leave the deadline neither pending, for the fiber's next park
        // to arm (an untimed wait would then time out), nor armed.
        boolean[] failing = {true};
        ParkObserver previous = Scheduler.observer;
        Scheduler.observer = new ParkObserver() {
            @Override
            public void parking(Fiber f) {
                if (failing[0] && "victim".equals(f.name())) {
                    throw new IllegalStateException("struck before the switch");
                }
            }

            @Override
            public void resumed(Fiber f) {
            }
        };
        try {
            Event go = new Event();
            Task<String> victim = Fibers.spawn("victim", () -> {
                String why;
                try {
                    Fibers.sleep(Duration.ofMillis(1));
                    why = "slept";
                } catch (IllegalStateException e) {
                    why = e.getMessage();
                }
                failing[0] = false;
                boolean set = go.await(); // no deadline: the failed sleep's millisecond must not end it
                return why + ", " + (set ? "woken by set" : "timed out");
            });
            Fibers.sleep(Duration.ofMillis(30)); // the victim fails its sleep, then waits on go
            go.set();
            assertEquals("struck before the switch, woken by set", victim.get());
            // no timer is left: a wait that nothing can end raises LoopExit at once
            Task<?> blocked = Fibers.spawn(() -> new FiberQueue<String>().get());
            assertThrows(LoopExit.class, blocked::join);
        } finally {
            Scheduler.observer = previous;
        }
    }
    /** A timer node of another kind, whose array cannot hold a fiber. */
    private static final class OtherNode extends TimerNode {
        @Override
        void fire() {
        }
    }

    @Test
    void aTimerThatCannotBeArmedFailsThePark() throws Exception {
        // The loop arms a park's deadline after the switch (Scheduler.armPending). When the heap
        // cannot take it (no memory to grow; here an array that refuses fibers), the park must fail
        // in its fiber with the error, not wait with no deadline. On a thread of its own, whose new
        // hub has no other timer to keep in the swapped array.
        java.lang.reflect.Field heapField = TimerHeap.class.getDeclaredField("heap");
        heapField.setAccessible(true);
        String[] out = new String[2];
        Thread th = new Thread(() -> {
            try {
                TimerHeap timers = Hub.current().sched.timers;
                Task<String> victim = Fibers.spawn("victim", () -> {
                    Object saved = heapField.get(timers);
                    heapField.set(timers, new OtherNode[4]);
                    try {
                        Fibers.sleep(Duration.ofMillis(1));
                        return "slept";
                    } catch (ArrayStoreException e) {
                        return "the sleep failed";
                    } finally {
                        heapField.set(timers, saved);
                    }
                });
                out[0] = victim.get(); // no deadline of its own: the heap holds nothing else
                Fibers.sleep(Duration.ofMillis(1)); // the heap works again
                Task<?> blocked = Fibers.spawn(() -> new FiberQueue<String>().get());
                try {
                    blocked.join();
                    out[1] = "joined";
                } catch (LoopExit e) {
                    out[1] = "LoopExit";
                }
            } catch (Throwable t) {
                out[0] = String.valueOf(t);
            } finally {
                Hub.current().close();
            }
        }, "arm-fails");
        th.start();
        th.join(10_000);
        assertFalse(th.isAlive(), "the thread ended");
        assertEquals("the sleep failed", out[0]);
        assertEquals("LoopExit", out[1], "no timer left behind");
    }
}
