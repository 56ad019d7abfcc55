package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N threads, each running its own hub: fibers on all cores. {@link #spawn} places tasks round-robin;
 * each task lives and dies on its hub (fibers never move between threads), and its
 * {@link Task#join}/{@link Task#get} work from any thread or fiber.
 */
public final class HubGroup implements AutoCloseable, Executor {
    private final Thread[] threads;
    private final Hub[] hubs;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    /** Starts {@code n} hub threads named loomlet-hub-0..n-1. */
    public HubGroup(int n) {
        this(n, "loomlet-hub-");
    }

    public HubGroup(int n, String namePrefix) {
        if (n < 1) {
            throw new IllegalArgumentException("a HubGroup needs at least one hub: " + n);
        }
        threads = new Thread[n];
        hubs = new Hub[n];
        CountDownLatch started = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int idx = i;
            threads[i] = new Thread(() -> {
                Hub h = Hub.current();
                hubs[idx] = h;
                started.countDown();
                try {
                    h.run();
                } finally {
                    h.close();
                }
            }, namePrefix + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting hubs", e);
        }
    }

    public int size() {
        return hubs.length;
    }

    /** The hub of thread {@code i}. */
    public Hub hub(int i) {
        return hubs[i];
    }

    /** Spawns {@code c} on the next hub (round-robin). From any thread. */
    public <T> Task<T> spawn(Callable<T> c) {
        return spawnOn(Math.floorMod(next.getAndIncrement(), hubs.length), c);
    }

    public Task<Void> spawn(Fibers.Action a) {
        return spawn(Fibers.callable(a));
    }

    /** Spawns {@code c} on hub {@code index}. From any thread. */
    public <T> Task<T> spawnOn(int index, Callable<T> c) {
        Objects.requireNonNull(c, "callable");
        if (closed) {
            throw new IllegalStateException("HubGroup is closed");
        }
        Hub h = hubs[index];
        Task<T> t = new Task<>(h, null, c);
        if (!h.sendFromAnyThread(t.starter())) {
            throw new IllegalStateException("HubGroup is closed");
        }
        return t;
    }

    /** Runs {@code r} as a task on the next hub. */
    @Override
    public void execute(Runnable r) {
        spawn(Fibers.callable(r::run));
    }

    /**
     * Stops every hub: each kills its remaining fibers (their finally blocks run) and its thread
     * ends. Tasks spawned meanwhile either start and are killed, or end as killed without
     * starting; none is left pending. Waits up to {@code timeout} (null: no limit) for the threads.
     */
    public void close(Duration timeout) {
        long deadline = Deadlines.of(timeout, "HubGroup.close");
        closed = true;
        for (Hub h : hubs) {
            h.stop();
        }
        for (Thread t : threads) {
            try {
                if (deadline == Deadlines.NONE) {
                    t.join();
                } else {
                    t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
