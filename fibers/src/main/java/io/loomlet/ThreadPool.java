package io.loomlet;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of platform threads for blocking code that cannot be made cooperative (gevent's
 * threadpool, asyncio's {@code run_in_executor}): the calling fiber parks while a pool thread runs
 * the call, and the other fibers of its hub go on. At most {@code maxThreads} calls run at once;
 * the rest queue.
 *
 * <p>Killing or timing out a fiber that waits in {@link #apply} stops the wait, not the call: the
 * pool thread is interrupted, and the call's result, if any, is dropped.
 */
public final class ThreadPool implements AutoCloseable {
    private static volatile ThreadPool shared;
    private final ThreadPoolExecutor executor;

    public ThreadPool(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1: " + maxThreads);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "loomlet-pool-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        executor = new ThreadPoolExecutor(maxThreads, maxThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), tf);
        executor.allowCoreThreadTimeOut(true);
    }

    /** The pool {@link Fibers#runInThread} uses: 10 threads, like gevent's default. */
    public static ThreadPool shared() {
        ThreadPool p = shared;
        if (p == null) {
            synchronized (ThreadPool.class) {
                p = shared;
                if (p == null) {
                    p = new ThreadPool(Integer.getInteger("loomlet.threadpool.size", 10));
                    shared = p;
                }
            }
        }
        return p;
    }

    /**
     * Starts {@code c} on a pool thread and returns its result at once, to wait on from any fiber or
     * thread (gevent's {@code threadpool.spawn}).
     *
     * @throws IllegalStateException if the pool is closed
     */
    public <T> AsyncResult<T> submit(Callable<T> c) {
        AsyncResult<T> r = new AsyncResult<>();
        start(c, r);
        return r;
    }

    /** Runs {@code c} on a pool thread, parking only the calling fiber, and returns its value. */
    public <T> T apply(Callable<T> c) {
        AsyncResult<T> r = new AsyncResult<>();
        Future<?> call = start(c, r);
        boolean done = false;
        try {
            T v = r.get();
            done = true;
            return v;
        } finally {
            if (!done && !r.isReady()) {
                call.cancel(true); // killed or timed out while waiting: stop the call, drop its result
            }
        }
    }

    private <T> Future<?> start(Callable<T> c, AsyncResult<T> r) {
        Objects.requireNonNull(c, "callable");
        try {
            return executor.submit(() -> {
                try {
                    r.set(c.call());
                } catch (Throwable e) {
                    r.setException(e);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("thread pool is closed", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
