package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of platform threads for blocking code that cannot be made cooperative (gevent's
 * threadpool, asyncio's {@code run_in_executor}): the calling fiber parks while a pool thread runs
 * the call, and the other fibers of its hub go on. At most {@code maxThreads} calls run at once;
 * the rest queue.
 *
 * <p>gevent's threadpool API: {@link #spawn} (a result any fiber can wait for), {@link #apply},
 * {@link #map}, {@link #join} (wait until idle), {@link #size} and {@link #maxSize}.
 *
 * <p>Killing or timing out a fiber that waits in {@link #apply} or {@link #map} stops the wait and
 * cancels the call: the pool thread is interrupted, and the call's result, if any, is dropped.
 */
public final class ThreadPool implements AutoCloseable {
    private static volatile ThreadPool shared;
    private final ThreadPoolExecutor executor;
    private final int maxThreads;
    /** Guards {@link #pending} and {@link #idle}; never held across a wait. */
    private final Object idleLock = new Object();
    /** Calls queued or running. */
    private int pending;
    /** Completed, and dropped, when pending drops to 0; made by the first join that finds calls pending. */
    private AsyncResult<Void> idle;

    public ThreadPool(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1: " + maxThreads);
        }
        this.maxThreads = maxThreads;
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
     * thread: the same as {@link #spawn}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public <T> AsyncResult<T> submit(Callable<T> c) {
        return start(c).result;
    }

    /**
     * Starts {@code c} on a pool thread and returns its result at once: gevent's
     * {@code ThreadPool.spawn}. Any fiber, of any hub, or a plain thread may {@link AsyncResult#join
     * join} or {@link AsyncResult#get get} it; waiting parks only the waiting fiber.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public <T> AsyncResult<T> spawn(Callable<T> c) {
        return start(c).result;
    }

    /**
     * Runs {@code c} on a pool thread, parking only the calling fiber, and returns its value:
     * gevent's {@code ThreadPool.apply}. It raises what {@code c} raised (checked exceptions wrapped
     * in {@link java.util.concurrent.CompletionException}, as {@link Awaitable#get()} does).
     */
    public <T> T apply(Callable<T> c) {
        Call<T> call = start(c);
        boolean done = false;
        try {
            T v = call.result.get();
            done = true;
            return v;
        } finally {
            if (!done && !call.result.isReady()) {
                call.cancel(); // killed or timed out while waiting: stop the call, drop its result
            }
        }
    }

    /**
     * Applies {@code fn} to every item on the pool's threads (at most {@link #maxSize()} at once)
     * and returns the results in item order, parking only the calling fiber: gevent's
     * {@code ThreadPool.map}. The input is read at once, in the caller; an exception from it is
     * raised here. The first failure in item order is raised (checked exceptions wrapped in
     * {@link java.util.concurrent.CompletionException}); when the map ends by an exception, a kill or
     * a timeout, the calls not finished are cancelled (a running one is interrupted).
     */
    public <A, R> List<R> map(Group.Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
        List<Call<R>> calls = new ArrayList<>();
        boolean done = false;
        try {
            for (A item : items) {
                calls.add(start(() -> fn.apply(item)));
            }
            List<R> out = new ArrayList<>(calls.size());
            for (Call<R> call : calls) {
                out.add(call.result.get());
            }
            done = true;
            return out;
        } finally {
            if (!done) {
                for (Call<R> call : calls) {
                    call.cancel();
                }
            }
        }
    }

    /**
     * Waits until no call is queued or running: gevent's {@code ThreadPool.join}. Parks only the
     * calling fiber; calls started meanwhile are waited for too, as long as the pool has not been idle
     * in between.
     */
    public void join() {
        join(null);
    }

    /**
     * As {@link #join()}, for at most {@code timeout} (null: no limit); returns whether the pool
     * became idle.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public boolean join(Duration timeout) {
        Deadlines.of(timeout, "ThreadPool.join"); // the one check of the timeout, before anything
        AsyncResult<Void> w;
        synchronized (idleLock) {
            if (pending == 0) {
                return true;
            }
            if (idle == null) {
                idle = new AsyncResult<>();
            }
            w = idle;
        }
        return w.join(timeout);
    }

    /**
     * The pool's threads now, busy or idle (an idle one ends after 30 s): gevent's
     * {@code ThreadPool.size}, "the number of running pooled worker threads". At most
     * {@link #maxSize()}.
     */
    public int size() {
        return executor.getPoolSize();
    }

    /** The most threads the pool runs at once: gevent's {@code ThreadPool.maxsize}. */
    public int maxSize() {
        return maxThreads;
    }

    /** Calls queued or running now: gevent's {@code len(threadpool)}. */
    public int pendingCount() {
        synchronized (idleLock) {
            return pending;
        }
    }

    private <T> Call<T> start(Callable<T> c) {
        Objects.requireNonNull(c, "callable");
        Call<T> call = new Call<>(c);
        synchronized (idleLock) {
            pending++;
        }
        try {
            call.future = executor.submit(call);
        } catch (RejectedExecutionException e) {
            call.finished();
            throw new IllegalStateException("thread pool is closed", e);
        }
        return call;
    }

    /** One call: counted in {@link #pending} from start until it ends, or until it is cancelled unstarted. */
    private final class Call<T> implements Runnable {
        private final Callable<T> body;
        final AsyncResult<T> result = new AsyncResult<>();
        /** Taken by whichever comes first, the run or a cancel before it: that one uncounts the call. */
        private final AtomicBoolean claimed = new AtomicBoolean();
        volatile Future<?> future;

        Call(Callable<T> body) {
            this.body = body;
        }

        @Override
        public void run() {
            if (!claimed.compareAndSet(false, true)) {
                return; // cancelled before it started
            }
            try {
                result.set(body.call());
            } catch (Throwable e) {
                result.setException(e);
            } finally {
                finished();
            }
        }

        /** Stops the call: unstarted, it never runs; running, its thread is interrupted. */
        void cancel() {
            Future<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
            if (claimed.compareAndSet(false, true)) {
                result.setException(new CancellationException("the call was cancelled before it started"));
                finished();
            }
        }

        void finished() {
            AsyncResult<Void> w = null;
            synchronized (idleLock) {
                if (--pending == 0) {
                    w = idle;
                    idle = null;
                }
            }
            if (w != null) {
                w.set(null);
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
