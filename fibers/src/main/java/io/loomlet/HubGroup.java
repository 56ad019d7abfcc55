package io.loomlet;

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
        if (!h.execute(t::start)) {
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
     * ends. Waits up to {@code timeout} for the threads.
     */
    public void close(Duration timeout) {
        closed = true;
        for (Hub h : hubs) {
            h.stop();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
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
