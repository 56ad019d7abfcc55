package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Issue #9: gevent's ThreadPool API on {@link ThreadPool}: spawn, map, join, size. */
class ThreadPoolTest extends HubTestBase {

    @Test
    void spawnReturnsAResultThatFibersJoin() throws Exception {
        try (ThreadPool pool = new ThreadPool(2)) {
            AsyncResult<String> r = pool.spawn(() -> {
                Thread.sleep(40); // a real blocking call, on a pool thread
                return Thread.currentThread().getName();
            });
            // two fibers wait on it; the ticker runs meanwhile: only they park
            Task<String> a = Fibers.spawn(() -> r.get());
            Task<String> b = Fibers.spawn(() -> r.get());
            String name = Switches.assertOthersRan(2, () -> a.get());
            assertTrue(name.startsWith("loomlet-pool-"), name);
            assertEquals(name, b.get());
            AsyncResult<Object> failed = pool.spawn(() -> {
                throw new IOException("on the pool");
            });
            assertInstanceOf(IOException.class, assertThrows(CompletionException.class, failed::get).getCause());
            assertThrows(NullPointerException.class, () -> pool.spawn(null));
        }
    }

    @Test
    void mapKeepsItemOrderBoundsThreadsAndParksOnlyTheCaller() throws Exception {
        try (ThreadPool pool = new ThreadPool(3)) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            List<Integer> items = IntStream.range(0, 12).boxed().toList();
            List<Integer> out = Switches.assertOthersRan(2, () -> pool.map(i -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                threads.add(Thread.currentThread().getName());
                Thread.sleep(12 - i); // later items finish first
                running.decrementAndGet();
                return i * i;
            }, items));
            assertEquals(items.stream().map(i -> i * i).toList(), out);
            assertEquals(3, most.get());
            assertEquals(3, threads.size());
            assertEquals(List.of(), pool.map(i -> i, List.<Integer>of()));
        }
    }

    @Test
    void mapRaisesTheFirstFailureAndCancelsTheRest() {
        try (ThreadPool pool = new ThreadPool(2)) {
            CountDownLatch slowStarted = new CountDownLatch(1);
            AtomicInteger started = new AtomicInteger();
            AtomicInteger interrupted = new AtomicInteger();
            long start = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.map(i -> {
                if (i == 0) {
                    slowStarted.await();
                    throw new IllegalStateException("item 0");
                }
                started.incrementAndGet();
                slowStarted.countDown();
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException stop) {
                    interrupted.incrementAndGet();
                }
                return i;
            }, List.of(0, 1, 2, 3)));
            assertEquals("item 0", e.getMessage());
            assertTrue(pool.join(Duration.ofSeconds(5)), "the slow calls were stopped, not left running");
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
            assertTrue(started.get() >= 1, "item 1 ran");
            assertEquals(started.get(), interrupted.get(), "every call that started was interrupted");
            CompletionException c = assertThrows(CompletionException.class, () -> pool.map(i -> {
                throw new IOException("checked " + i);
            }, List.of(7)));
            assertEquals("checked 7", c.getCause().getMessage());
        }
    }

    @Test
    void mapRaisesTheInputsExceptionAndCancelsWhatItStarted() {
        try (ThreadPool pool = new ThreadPool(1)) {
            IllegalStateException broken = new IllegalStateException("the input broke");
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger interrupted = new AtomicInteger();
            Iterable<Integer> input = () -> new Iterator<>() {
                int given;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Integer next() {
                    if (given == 3) {
                        throw broken;
                    }
                    return given++;
                }
            };
            assertSame(broken, assertThrows(IllegalStateException.class, () -> pool.map(i -> {
                ran.incrementAndGet();
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException stop) {
                    interrupted.incrementAndGet();
                }
                return i;
            }, input)));
            assertTrue(pool.join(Duration.ofSeconds(5)), "the calls it started were stopped");
            assertEquals(ran.get(), interrupted.get(), "every call that ran was interrupted");
            assertEquals("fn", assertThrows(NullPointerException.class, () -> pool.map(null, List.of(1))).getMessage());
            assertEquals("items", assertThrows(NullPointerException.class, () -> pool.map(i -> i, null)).getMessage());
        }
    }

    @Test
    void killingAFiberInMapCancelsItsCalls() {
        try (ThreadPool pool = new ThreadPool(2)) {
            AtomicInteger started = new AtomicInteger();
            AtomicInteger interrupted = new AtomicInteger();
            Task<List<Integer>> t = Fibers.spawn(() -> pool.map(i -> {
                started.incrementAndGet();
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
                return i;
            }, List.of(1, 2, 3)));
            for (long end = System.nanoTime() + 5_000_000_000L; started.get() < 2 && System.nanoTime() < end; ) {
                Fibers.sleep(1);
            }
            Fibers.sleep(5);
            assertEquals(2, started.get(), "two threads: the third call waits in the queue");
            t.kill();
            assertTrue(pool.join(Duration.ofSeconds(5)), "the calls were stopped");
            assertEquals(started.get(), interrupted.get(), "every call that started was interrupted");
            assertEquals(0, pool.pendingCount());
        }
    }

    @Test
    void joinWaitsUntilThePoolIsIdle() throws Exception {
        try (ThreadPool pool = new ThreadPool(2)) {
            assertTrue(pool.join(Duration.ZERO), "an idle pool joins at once");
            pool.join();
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < 5; i++) {
                pool.spawn(() -> {
                    Thread.sleep(15);
                    return done.incrementAndGet();
                });
            }
            assertEquals(5, pool.pendingCount());
            Switches.assertOthersRan(2, () -> pool.join());
            assertEquals(5, done.get());
            assertEquals(0, pool.pendingCount());
            pool.spawn(() -> {
                Thread.sleep(200);
                return 0;
            });
            long start = System.nanoTime();
            assertFalse(pool.join(Duration.ofMillis(20)));
            assertTrue(System.nanoTime() - start >= 15_000_000L);
            assertTrue(pool.join(Duration.ofSeconds(5)));
            assertThrows(IllegalArgumentException.class, () -> pool.join(Duration.ofMillis(-1)));
        }
    }

    @Test
    void joinFromAPlainThread() throws Exception {
        try (ThreadPool pool = new ThreadPool(1)) {
            CountDownLatch release = new CountDownLatch(1);
            pool.spawn(() -> release.await(5, TimeUnit.SECONDS));
            boolean[] joined = {false};
            Thread plain = new Thread(() -> joined[0] = pool.join(Duration.ofSeconds(5)));
            plain.start();
            Thread.sleep(20);
            assertTrue(plain.isAlive(), "it waits while the call runs");
            release.countDown();
            plain.join(5_000);
            assertTrue(joined[0]);
        }
    }

    @Test
    void sizeCountsThePoolsThreadsUpToMaxSize() throws Exception {
        try (ThreadPool pool = new ThreadPool(3)) {
            assertEquals(0, pool.size(), "no thread before the first call");
            assertEquals(3, pool.maxSize());
            pool.apply(() -> 1);
            assertEquals(1, pool.size());
            CountDownLatch release = new CountDownLatch(1);
            List<AsyncResult<Boolean>> rs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rs.add(pool.spawn(() -> release.await(5, TimeUnit.SECONDS)));
            }
            assertEquals(3, pool.size(), "at most maxSize threads");
            assertEquals(5, pool.pendingCount(), "three running, two queued");
            release.countDown();
            Fibers.joinAll(rs);
            pool.join();
            assertEquals(0, pool.pendingCount());
        }
        assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
    }

    @Test
    void aClosedPoolRefusesCalls() {
        ThreadPool pool = new ThreadPool(1);
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.spawn(() -> 1));
        assertEquals("thread pool is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> pool.map(i -> i, List.of(1)));
        assertEquals(0, pool.pendingCount(), "a refused call is not counted");
        assertTrue(pool.join(Duration.ZERO));
    }
}
