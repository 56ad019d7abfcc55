package io.loomlet.net;

import io.loomlet.AsyncResult;
import io.loomlet.FiberExit;
import io.loomlet.Fibers;
import io.loomlet.HubGroup;
import io.loomlet.Task;
import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A TCP server that runs one handler fiber per connection: gevent.server.StreamServer's twin.
 *
 * <pre>{@code
 * StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 8080), client -> {
 *     byte[] buf = new byte[1024];
 *     for (int n; (n = client.read(buf, 0, buf.length)) > 0; ) {
 *         client.write(upper(buf, n));
 *     }
 * });
 * server.serveForever();
 * }</pre>
 *
 * The accept loop runs in a fiber of the hub that calls {@link #start()}. The client socket is
 * closed when its handler returns or throws; a handler's exception is reported once (through
 * {@link #setErrorHandler}, stderr by default) and the server keeps serving. With the default
 * handler, a client that simply went away (connection reset, broken pipe) is one line without a
 * stack; a real handler bug gets its stack.
 *
 * <p>Options, set before {@link #start()}: {@link #maxConnections} (accepting pauses while that many
 * handlers run: a pool), {@link #acceptsPerWake} (how many connections one wake-up accepts before the
 * loop lets handlers run), {@link #readTimeout} (idle clients are closed), {@link #backlog}, and
 * {@link #spreadOver} to run handlers on the hubs of a {@link HubGroup}. An accept that fails (for
 * example, out of file descriptors) backs off from 10 ms up to 1 s, reporting once per episode, and
 * the server recovers when the cause goes.
 *
 * <p>Lifecycle, as gevent's: {@link #start()}; {@link #stopAccepting()} and {@link #startAccepting()}
 * pause and resume accepting (the listening socket stays open); {@link #stop(Duration)} closes it,
 * gives the handlers a grace period and kills the rest, and may be called from a handler, which then
 * finishes its own reply; a stopped server can be started again.
 */
public final class StreamServer implements AutoCloseable {
    /** Serves one connection; the socket is closed when this returns. */
    @FunctionalInterface
    public interface Handler {
        void handle(FiberSocket client) throws Exception;
    }

    private final SocketAddress bindAddress;
    private final Handler handler;
    private int maxConnections;
    private int acceptsPerWake = 100;
    private int backlog = 1024;
    private Duration readTimeout;
    private HubGroup spread;
    private static final BiConsumer<String, Throwable> DEFAULT_ERROR_HANDLER = Errors::printToStderr;
    /** Every handler task's name: a string with the peer per connection would cost every idle connection. */
    private static final String HANDLER_NAME = "StreamServer handler";
    private BiConsumer<String, Throwable> errorHandler = DEFAULT_ERROR_HANDLER;

    /*
     * Lifecycle: IDLE (new, or stopped) -> STARTED (start) -> STOPPING (stop, until its handlers are
     * done) -> IDLE, so a stopped server can start again. Transitions, and the fields below that go
     * with them, under `lock`, which is never held across a wait.
     */
    private static final int IDLE = 0;
    private static final int STARTED = 1;
    private static final int STOPPING = 2;
    private final Object lock = new Object();
    private volatile int state = IDLE;
    private FiberServerSocket listener;
    /** The accept loop while accepting; null when not started or after stopAccepting(). */
    private Task<Void> acceptLoop;
    /** Completed when the stop of this run is done: what serveForever waits for. */
    private AsyncResult<Void> stopped;
    private volatile boolean stopping;
    private final Set<Task<?>> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong acceptErrors = new AtomicLong();
    /** Set while the accept loop waits for a free slot; completed by the handler that frees one. */
    private volatile AsyncResult<Void> slotWaiter;

    public StreamServer(SocketAddress bindAddress, Handler handler) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** At most {@code n} connections handled at once (0: no limit); accepting pauses meanwhile. */
    public StreamServer maxConnections(int n) {
        checkNotStarted();
        if (n < 0) {
            throw new IllegalArgumentException("maxConnections must be >= 0: " + n);
        }
        this.maxConnections = n;
        return this;
    }

    /** Connections accepted in a row before the accept loop yields to the handlers (default 100). */
    public StreamServer acceptsPerWake(int n) {
        checkNotStarted();
        if (n < 1) {
            throw new IllegalArgumentException("acceptsPerWake must be >= 1: " + n);
        }
        this.acceptsPerWake = n;
        return this;
    }

    /** Pending-connection queue of the listening socket (default 1024). */
    public StreamServer backlog(int n) {
        checkNotStarted();
        this.backlog = n;
        return this;
    }

    /** Closes a client that sends nothing for {@code d}: its handler's read raises SocketTimeoutException. */
    public StreamServer readTimeout(Duration d) {
        checkNotStarted();
        this.readTimeout = d;
        return this;
    }

    /** Runs each handler on the next hub of {@code group} (round-robin) instead of the accepting hub. */
    public StreamServer spreadOver(HubGroup group) {
        checkNotStarted();
        this.spread = group;
        return this;
    }

    /** Where handler failures and accept errors go (default: stderr). */
    public StreamServer setErrorHandler(BiConsumer<String, Throwable> h) {
        this.errorHandler = Objects.requireNonNull(h, "handler");
        return this;
    }

    /**
     * Binds, listens and starts accepting in a fiber of the current hub; returns at once. A stopped
     * server can be started again: it binds its address anew (port 0: a new free port).
     *
     * @throws IllegalStateException if it is started, or still stopping
     */
    public StreamServer start() throws IOException {
        synchronized (lock) {
            if (state != IDLE) {
                throw new IllegalStateException(state == STARTED ? "the server is already started" : "the server is stopping");
            }
            listener = FiberServerSocket.bind(bindAddress, backlog);
            stopping = false;
            stopped = new AsyncResult<>();
            state = STARTED;
            acceptLoop = spawnAcceptLoop();
        }
        return this;
    }

    /**
     * Starts if needed and waits until {@link #stop} has stopped the server (gevent's
     * {@code serve_forever}); {@link #stopAccepting()} alone does not end the wait.
     */
    public void serveForever() throws IOException {
        AsyncResult<Void> done;
        synchronized (lock) {
            if (state == IDLE) {
                start();
            }
            done = stopped;
        }
        done.join();
    }

    /**
     * Stops accepting new connections and returns once the accept loop has ended (gevent's
     * {@code stop_accepting}). The listening socket stays open: new clients wait in its backlog
     * until {@link #startAccepting()}; the handlers running go on. Does nothing when not accepting.
     * From any fiber or thread.
     */
    public void stopAccepting() {
        Task<Void> loop;
        synchronized (lock) {
            loop = acceptLoop;
            acceptLoop = null;
        }
        if (loop != null) {
            loop.kill();
        }
    }

    /**
     * Accepts again after {@link #stopAccepting()}, in a fiber of the current hub (gevent's
     * {@code start_accepting}); does nothing if already accepting.
     *
     * @throws IllegalStateException if the server is not started
     */
    public void startAccepting() {
        synchronized (lock) {
            if (state != STARTED) {
                throw new IllegalStateException("the server is not started: call start()");
            }
            if (acceptLoop == null) {
                acceptLoop = spawnAcceptLoop();
            }
        }
    }

    /** True while accepting: started, and not paused by {@link #stopAccepting()}. */
    public boolean isAccepting() {
        synchronized (lock) {
            return acceptLoop != null && !acceptLoop.isReady();
        }
    }

    private Task<Void> spawnAcceptLoop() {
        FiberServerSocket l = listener;
        String name;
        try {
            name = "accept " + l.localAddress();
        } catch (IOException e) {
            name = "accept " + bindAddress;
        }
        return Fibers.spawn(name, () -> acceptLoop(l));
    }

    /** The address listened on (with the real port when bound to port 0). */
    public InetSocketAddress address() throws IOException {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        return listener.localAddress();
    }

    /** True from {@link #start()} until {@link #stop} begins (gevent's {@code started}). */
    public boolean isStarted() {
        return state == STARTED;
    }

    /** Connections being handled now. */
    public int activeConnections() {
        return active.get();
    }

    public long acceptedCount() {
        return accepted.get();
    }

    public long acceptErrorCount() {
        return acceptErrors.get();
    }

    /** Accepts on {@code listening}, the listener of this run (a restart makes a new one). */
    private void acceptLoop(FiberServerSocket listening) {
        long backoffMs = 0;
        int streak = 0;
        while (!stopping) {
            waitForSlot();
            if (stopping) {
                break;
            }
            SocketChannel c;
            try {
                c = listening.acceptNow();
                if (c == null) {
                    streak = 0;
                    c = listening.acceptChannel(null);
                }
            } catch (SocketException e) {
                if (stopping || !listening.isOpen()) {
                    break;
                }
                backoffMs = backOff(backoffMs, e);
                continue;
            } catch (IOException e) {
                backoffMs = backOff(backoffMs, e);
                continue;
            }
            if (backoffMs > 0) {
                report("StreamServer on " + bindAddress + " accepts again after " + acceptErrors.get() + " failed accept(s)", null);
                backoffMs = 0;
            }
            accepted.incrementAndGet();
            dispatch(c);
            if (++streak >= acceptsPerWake) {
                streak = 0;
                Fibers.sleep(Duration.ZERO); // let the handlers run before accepting more
            }
        }
    }

    /** Out of descriptors (EMFILE) and the like: wait, longer each time, and try again. */
    private long backOff(long previousMs, IOException e) {
        acceptErrors.incrementAndGet();
        long ms = previousMs == 0 ? 10 : Math.min(1000, previousMs * 2);
        if (previousMs == 0) {
            report("StreamServer on " + bindAddress + ": accept failed, backing off (reported once per episode)", e);
        }
        Fibers.sleep(ms);
        return ms;
    }

    private void waitForSlot() {
        while (maxConnections > 0 && active.get() >= maxConnections && !stopping) {
            AsyncResult<Void> w = new AsyncResult<>();
            slotWaiter = w;
            // re-check after publishing: a handler that ended in between either sees w or freed the slot we see
            if (active.get() < maxConnections || stopping) {
                slotWaiter = null;
                return;
            }
            w.join();
            slotWaiter = null;
        }
    }

    private void slotFreed() {
        AsyncResult<Void> w = slotWaiter;
        if (w != null) {
            w.set(null);
        }
    }

    private void dispatch(SocketChannel c) {
        active.incrementAndGet();
        // Per idle connection every byte counts (BENCHMARKS.md, "Connections on one hub"): the task
        // gets one constant name, not a string with the peer's address (a parked handler's blocker,
        // its channel, shows the peer in dumps, and reports look the address up when they need it),
        // and the handling is a method of its own, which keeps the handler's frozen stack smaller
        // than the same code in this lambda did (measured together: about 260 bytes less per idle
        // connection, 64 of them the name).
        Fibers.Action body = () -> serve(c);
        Task<Void> t = spread == null ? Fibers.spawn(HANDLER_NAME, body) : spread.spawn(body);
        handlers.add(t);
        if (t.isReady()) {
            handlers.remove(t); // it ended before we added it (another hub): do not keep it
        }
    }

    /** A handler task's whole life: the handler, its errors reported, the connection closed. */
    private void serve(SocketChannel c) {
        FiberSocket s = null;
        try {
            s = FiberSocket.adopt(c);
            if (readTimeout != null) {
                s.setReadTimeout(readTimeout);
            }
            handler.handle(s);
        } catch (FiberExit e) {
            throw e;
        } catch (SocketTimeoutException e) {
            if (readTimeout == null) {
                report("StreamServer handler for " + peer(c) + " failed", e);
            } // else: an idle client closed by readTimeout, as configured; not a failure
        } catch (Throwable t) {
            if (clientWentAway(t) && errorHandler == DEFAULT_ERROR_HANDLER) {
                // the ordinary end of a client, not a bug: one line, no stack
                Errors.warn("StreamServer handler for " + peer(c) + ": the client went away (" + t.getMessage() + ")");
            } else {
                report("StreamServer handler for " + peer(c) + " failed", t);
            }
        } finally {
            try {
                if (s != null) {
                    s.close();
                } else {
                    c.close();
                }
            } catch (IOException ignored) {
                // the connection is gone either way
            }
            handlers.remove(Fibers.currentTask());
            active.decrementAndGet();
            slotFreed();
        }
    }

    private static String peer(SocketChannel c) {
        try {
            return String.valueOf(c.getRemoteAddress());
        } catch (IOException e) {
            return "a client";
        }
    }

    /**
     * A reset or broken connection: how clients usually leave, not a handler bug. NIO reports it as a
     * plain IOException ("Connection reset by peer", "Broken pipe"), java.net as a SocketException.
     */
    private static boolean clientWentAway(Throwable t) {
        if (!(t instanceof IOException) || t instanceof SocketTimeoutException) {
            return false;
        }
        String m = String.valueOf(t.getMessage());
        return m.contains("reset") || m.contains("Broken pipe") || m.contains("aborted");
    }

    private void report(String what, Throwable t) {
        try {
            errorHandler.accept(what, t);
        } catch (Throwable e) {
            Errors.printToStderr("StreamServer error handler failed", e);
        }
    }

    /**
     * Stops the server (gevent's {@code stop(timeout)}): closes the listening socket, waits up to
     * {@code timeout} (null: no limit) for the handlers to finish, then kills the rest (their finally
     * blocks run, their sockets close). From any fiber or thread, and from one of its own handlers:
     * that handler is neither waited for nor killed, so it finishes after stop returns (its reply is
     * sent). Does nothing if the server is not started or already stopping. Afterwards
     * {@link #isStarted()} is false and {@link #start()} may start it again.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws io.loomlet.FiberTimeoutException if some handler still runs 5 s after it was killed
     */
    public void stop(Duration timeout) {
        Deadlines.check(timeout, "StreamServer.stop");
        Task<Void> loop;
        FiberServerSocket l;
        AsyncResult<Void> done;
        synchronized (lock) {
            if (state != STARTED) {
                return;
            }
            state = STOPPING;
            stopping = true;
            loop = acceptLoop;
            acceptLoop = null;
            l = listener;
            done = stopped;
        }
        try {
            try {
                l.close();
            } catch (IOException e) {
                report("closing the listener of " + bindAddress, e);
            }
            slotFreed();
            Task<?> me = Fibers.currentTask();
            if (loop != null && loop != me) {
                loop.join();
            }
            List<Task<?>> left = new ArrayList<>(handlers);
            left.remove(me); // stop called by a handler: it finishes after this returns
            Fibers.joinAll(left, timeout, false);
            List<Task<?>> still = new ArrayList<>();
            for (Task<?> t : left) {
                if (!t.isReady()) {
                    still.add(t);
                }
            }
            Fibers.killAll(still, true, Duration.ofSeconds(5));
        } finally {
            synchronized (lock) {
                state = IDLE;
            }
            done.set(null);
        }
    }

    /** {@link #stop(Duration)} with one second for the handlers, gevent's default. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(1));
    }

    private void checkNotStarted() {
        if (state != IDLE) {
            throw new IllegalStateException("the server is started; set options before start()");
        }
    }

    @Override
    public String toString() {
        return "StreamServer[" + bindAddress + ", active " + active.get() + ", accepted " + accepted.get() + "]";
    }
}
