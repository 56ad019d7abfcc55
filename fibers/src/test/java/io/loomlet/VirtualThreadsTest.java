package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.internal.VirtualThreads;
import io.loomlet.sync.Event;
import io.loomlet.sync.FiberQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads scheduled by a hub (#12 items 1 and 3): they run on the hub's one thread,
 * interleaved with its fibers; JDK waits park only them; Loomlet's primitives work in them and wake
 * them; a closed hub strands none of them. The test JVM has java.lang open (pom: loomlet.opens).
 */
class VirtualThreadsTest extends HubTestBase {

    /** Starts {@code body} in a virtual thread of the hub; the root waits for it through Loomlet. */
    private <T> T inVirtualThread(java.util.concurrent.Callable<T> body) {
        AsyncResult<T> done = new AsyncResult<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        hub.virtualThreadBuilder().name("vt-under-test").start(() -> {
            try {
                done.set(body.call());
            } catch (Throwable t) {
                failed.set(t);
                done.setException(t);
            }
        });
        return done.get();
    }

    @Test
    void virtualThreadsRunOnTheHubThreadInterleavedWithFibers() {
        Set<Thread> carriers = ConcurrentHashMap.newKeySet();
        AtomicInteger ticks = new AtomicInteger();
        Task<Void> ticker = Fibers.spawn(() -> {
            for (;;) {
                ticks.incrementAndGet();
                Fibers.sleep(Duration.ofMillis(1));
            }
        });
        int rounds = inVirtualThread(() -> {
            // a JDK handoff between two virtual threads of the hub: SynchronousQueue parks with LockSupport
            SynchronousQueue<Integer> q = new SynchronousQueue<>();
            Thread producer = hub.virtualThreadBuilder().start(() -> {
                carriers.add(VirtualThreads.carrier());
                try {
                    for (int i = 0; i < 200; i++) {
                        q.put(i);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            carriers.add(VirtualThreads.carrier());
            int n = 0;
            for (int i = 0; i < 200; i++) {
                assertEquals(i, q.take());
                n++;
            }
            Thread.sleep(30); // the JDK's sleep: the hub runs the ticker meanwhile
            producer.join();
            return n;
        });
        assertEquals(200, rounds);
        assertEquals(Set.of(Thread.currentThread()), carriers, "every virtual thread ran on the hub's thread");
        assertTrue(ticks.get() >= 5, "the ticker fiber ran while the virtual threads worked: " + ticks.get());
        ticker.kill();
    }

    @Test
    void aVirtualThreadKeepsItsIdentityLocalsAndInterrupt() throws Exception {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("root's");
        String result = inVirtualThread(() -> {
            Thread me = Thread.currentThread();
            assertTrue(me.isVirtual());
            assertEquals("vt-under-test", me.getName());
            local.set("mine");
            CountDownLatch never = new CountDownLatch(1);
            Thread sleeper = hub.virtualThreadBuilder().start(() -> {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    local.set("interrupted");
                    return;
                }
                throw new AssertionError("await returned without an interrupt");
            });
            Thread.sleep(5);
            sleeper.interrupt();
            assertTrue(sleeper.join(Duration.ofSeconds(5)));
            return local.get() + " " + (Thread.currentThread() == me);
        });
        assertEquals("mine true", result);
        assertEquals("root's", local.get());
    }

    @Test
    void aPlatformThreadWakesAVirtualThreadThroughTheInbox() {
        CountDownLatch latch = new CountDownLatch(1);
        Thread helper = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            latch.countDown();
        });
        long waited = inVirtualThread(() -> {
            long t0 = System.nanoTime();
            helper.start();
            assertTrue(latch.await(10, TimeUnit.SECONDS));
            return (System.nanoTime() - t0) / 1_000_000;
        });
        assertTrue(waited >= 15 && waited < 10_000, "woken after " + waited + " ms");
    }

    @Test
    void loomletPrimitivesWorkInAVirtualThreadAndWakeIt() {
        Event ready = new Event();
        FiberQueue<String> queue = new FiberQueue<>();
        Task<String> fiberSide = Fibers.spawn(() -> {
            Fibers.sleep(Duration.ofMillis(5));
            ready.set();
            queue.put("from a fiber");
            return "task result";
        });
        String got = inVirtualThread(() -> {
            assertSame(hub, Hub.current(), "a hub virtual thread's hub is its carrier's");
            long before = hub.switchCount();
            assertTrue(ready.await(Duration.ofSeconds(5)));
            assertTrue(hub.switchCount() > before, "the wait let the hub run the fiber");
            String item = queue.get();
            Fibers.sleep(Duration.ofMillis(2)); // a hub timer wakes the thread
            return item + " / " + fiberSide.get();
        });
        assertEquals("from a fiber / task result", got);
    }

    @Test
    void runInThreadFromAVirtualThreadParksOnlyIt() {
        AtomicInteger ticks = new AtomicInteger();
        Task<Void> ticker = Fibers.spawn(() -> {
            for (;;) {
                ticks.incrementAndGet();
                Fibers.sleep(Duration.ofMillis(1));
            }
        });
        String r = inVirtualThread(() -> Fibers.runInThread(() -> {
            Thread.sleep(50); // blocks a pool thread, not the hub
            return Thread.currentThread().getName();
        }));
        assertTrue(ticks.get() >= 5, "the hub ran meanwhile: " + ticks.get());
        assertFalse(r.equals(Thread.currentThread().getName()), r);
        ticker.kill();
    }

    @Test
    void aFiberWaitsForAVirtualThread() {
        FiberQueue<Integer> queue = new FiberQueue<>();
        hub.virtualThreadBuilder().start(() -> {
            for (int i = 0; i < 100; i++) {
                queue.put(i);
                Thread.yield();
            }
        });
        int sum = Fibers.spawn(() -> {
            int s = 0;
            for (int i = 0; i < 100; i++) {
                s += queue.get();
            }
            return s;
        }).get();
        assertEquals(4950, sum);
    }

    @Test
    void loomletWaitsInAVirtualThreadKeepAnInterruptForLater() {
        Event never = new Event();
        String r = inVirtualThread(() -> {
            Thread.currentThread().interrupt();
            boolean set = never.await(Duration.ofMillis(20)); // times out; the interrupt does not spin the hub
            return set + " " + Thread.interrupted();
        });
        assertEquals("false true", r);
    }

    @Test
    void anInterruptEndsASocketWaitInAVirtualThreadByClosingTheSocket() throws Exception {
        try (io.loomlet.net.FiberServerSocket ss = io.loomlet.net.FiberServerSocket.bind(
                new java.net.InetSocketAddress("127.0.0.1", 0))) {
            Task<io.loomlet.net.FiberSocket> acc = Fibers.spawn(() -> ss.accept());
            io.loomlet.net.FiberSocket c = io.loomlet.net.FiberSocket.connect(ss.localAddress(), null);
            io.loomlet.net.FiberSocket peer = acc.get();
            AtomicReference<Thread> reader = new AtomicReference<>();
            Fibers.spawn(() -> {
                Fibers.sleep(Duration.ofMillis(20));
                reader.get().interrupt(); // from a fiber of the hub; the reader waits in the hub's selector
            });
            String r = inVirtualThread(() -> {
                reader.set(Thread.currentThread());
                try {
                    c.read(new byte[1], 0, 1);
                    return "read returned";
                } catch (java.net.SocketException e) {
                    return "SocketException, interrupted=" + Thread.currentThread().isInterrupted();
                }
            });
            assertEquals("SocketException, interrupted=true", r);
            assertEquals(-1, peer.read(new byte[1], 0, 1), "the socket was closed: the peer sees its end");
            peer.close();
        }
    }

    @Test
    void aVirtualThreadCannotSwitchToAFiber() {
        Fiber f = new Fiber(v -> null);
        IllegalStateException e = inVirtualThread(() -> assertThrows(IllegalStateException.class, f::switchTo));
        assertTrue(e.getMessage().contains("virtual threads are not fibers"), e.getMessage());
    }

    @Test
    void aTimeoutCancelsALoomletWaitInAVirtualThread() {
        Event never = new Event();
        String r = inVirtualThread(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
                never.await();
                return "woken";
            } catch (FiberTimeoutException e) {
                return "timed out";
            }
        });
        assertEquals("timed out", r);
    }

    @Test
    void theVirtualThreadsOfAClosedHubGoOnRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Event started = new Event();
        hub.virtualThreadBuilder().start(() -> {
            started.set();
            try {
                release.await();
            } catch (InterruptedException e) {
                return;
            }
            ranOn.set(VirtualThreads.carrier());
            done.countDown();
        });
        started.await();
        hub.close();
        release.countDown(); // wakes it after its hub closed
        assertTrue(done.await(10, TimeUnit.SECONDS), "a virtual thread of a closed hub was stranded");
        assertNotSame(Thread.currentThread(), ranOn.get());
        assertEquals("loomlet-last-resort-carrier", ranOn.get().getName());
    }

    @Test
    void aHubThatSchedulesVirtualThreadsWaitsRatherThanRaiseLoopExit() {
        CountDownLatch latch = new CountDownLatch(1);
        Event woke = new Event();
        hub.virtualThreadBuilder().start(() -> {
            try {
                latch.await();
            } catch (InterruptedException e) {
                return;
            }
            woke.set();
        });
        // a platform thread (not the hub) ends the virtual thread's wait later: the root's wait is not hopeless
        new Thread(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                return;
            }
            latch.countDown();
        }).start();
        assertTrue(woke.await(Duration.ofSeconds(10)));
    }

    @Test
    void manyVirtualThreadsShareTheHub() {
        int n = 2_000;
        List<Thread> threads = new ArrayList<>();
        AtomicInteger sum = new AtomicInteger();
        Thread.Builder.OfVirtual b = hub.virtualThreadBuilder();
        for (int i = 0; i < n; i++) {
            int v = i;
            threads.add(b.start(() -> {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                sum.addAndGet(v);
            }));
        }
        Fibers.sleep(Duration.ofMillis(1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (threads.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            Fibers.sleep(Duration.ofMillis(5));
        }
        assertFalse(threads.stream().anyMatch(Thread::isAlive));
        assertEquals(n * (n - 1) / 2, sum.get());
    }
}
