package io.loomlet.iopatch.internal;

import io.loomlet.Hub;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The thread patch's machinery: patched threads are virtual threads scheduled by a hub.
 *
 * <ul>
 *   <li><b>Which hub.</b> The starting thread's hub when it runs one (the caller is a fiber or a
 *       virtual thread of it); otherwise main's hub (main itself runs as a virtual thread of the main
 *       thread's hub, see {@link #runMain}); otherwise a hub on a daemon thread of its own that does
 *       nothing but run it. Never a hub that will not run.</li>
 *   <li><b>Non-daemon threads.</b> Virtual threads are daemons to the JVM, so the JVM would not wait
 *       for them. Each patched thread keeps the daemon flag a platform thread would have had (its
 *       creator's, or what {@code setDaemon} said), and main's hub runs until main and every started
 *       non-daemon patched thread have ended, as the JVM waits for non-daemon threads.</li>
 *   <li><b>Thread subclasses.</b> An object of a {@code Thread} subclass cannot become a virtual
 *       thread; started, its {@code run()} runs in a virtual thread that stands in for it, and the
 *       rewritten calls ({@code currentThread}, {@code join}, {@code interrupt}, ...) follow the
 *       stand-in.</li>
 * </ul>
 */
public final class HubThreads {
    /** Patched threads whose daemon flag is false (the flag a platform thread would have). */
    private static final Set<Thread> NON_DAEMON = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Started non-daemon patched threads that have not ended: main's hub runs while there are any. */
    private static final Set<Thread> LIVE_NON_DAEMON = ConcurrentHashMap.newKeySet();
    /** Thread-subclass objects that were started, and the virtual threads standing in for them. */
    private static final Map<Thread, Thread> STAND_INS = Collections.synchronizedMap(new WeakHashMap<>());
    /** Platform thread objects whose daemon flag the program set itself. */
    private static final Map<Thread, Boolean> EXPLICIT_DAEMON = Collections.synchronizedMap(new WeakHashMap<>());
    /** In a stand-in: the Thread object it stands for (what Thread.currentThread() answers). */
    private static final ThreadLocal<Thread> STANDS_FOR = new ThreadLocal<>();

    private static volatile Hub mainHub;
    private static volatile boolean mainEnded = true;
    private static Hub backgroundHub; // guarded by HubThreads.class

    private HubThreads() {
    }

    // ------------------------------------------------------------------------------ which hub

    /** The hub a thread started now should run on (see the class doc). */
    public static Hub hubForNewThread() {
        Hub h = Hub.currentIfRunning();
        if (h != null) {
            return h;
        }
        h = mainHub;
        if (h != null && !h.isClosed()) {
            return h;
        }
        return background();
    }

    private static synchronized Hub background() {
        Hub h = backgroundHub;
        if (h != null && !h.isClosed()) {
            return h;
        }
        java.util.concurrent.CompletableFuture<Hub> made = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            Hub own = Hub.current();
            made.complete(own);
            own.run(); // until the JVM exits: nobody stops it
        }, "loomlet-threads-hub");
        t.setDaemon(true);
        t.start();
        h = made.join();
        backgroundHub = h;
        return h;
    }

    // ------------------------------------------------------------------------------ making threads

    /**
     * A virtual thread of the chosen hub like {@code shape}, an unstarted platform thread the original
     * code would have made (its name, daemon flag), running {@code task}.
     */
    public static Thread virtualLike(Thread shape, Runnable task, boolean inheritLocals) {
        Thread vt = hubForNewThread().virtualThreadBuilder()
                .name(shape.getName())
                .inheritInheritableThreadLocals(inheritLocals)
                .unstarted(tracked(task));
        if (!daemonLike(shape)) {
            NON_DAEMON.add(vt);
        }
        return vt;
    }

    /**
     * The daemon flag of a platform thread made like {@code shape}. A platform thread made inside a
     * virtual thread inherits "daemon" from it (every virtual thread is a daemon to the JDK), so
     * there the patched creator's own flag counts.
     */
    private static boolean daemonLike(Thread shape) {
        Boolean said = EXPLICIT_DAEMON.get(shape);
        if (said != null) {
            return said;
        }
        Thread creator = Thread.currentThread();
        if (shape.isDaemon() && creator.isVirtual()) {
            return isDaemon(creator);
        }
        return shape.isDaemon();
    }

    /** A thread factory like {@code shape} (names, daemon flags) whose threads are patched threads. */
    public static ThreadFactory factoryLike(ThreadFactory shape) {
        return task -> {
            Thread p = shape.newThread(task);
            if (p == null || p.isVirtual()) {
                return p;
            }
            Thread vt = virtualLike(p, task, true);
            // A pool starts what its factory makes at once (inside the JDK, where start is not
            // rewritten): count it as started now.
            willStart(vt);
            return vt;
        };
    }

    private static Runnable tracked(Runnable task) {
        Runnable r = task == null ? () -> { } : task;
        return () -> {
            try {
                r.run();
            } finally {
                ended(Thread.currentThread());
            }
        };
    }

    /** Before a patched thread starts: a non-daemon one keeps main's hub running until it ends. */
    public static void willStart(Thread vt) {
        if (NON_DAEMON.contains(vt)) {
            LIVE_NON_DAEMON.add(vt);
        }
    }

    private static void ended(Thread t) {
        if (LIVE_NON_DAEMON.remove(t)) {
            stopMainHubIfDone();
        }
    }

    // ------------------------------------------------------------------------------ daemon flags

    public static boolean isDaemon(Thread t) {
        if (t.isVirtual()) {
            return !NON_DAEMON.contains(t) && !LIVE_NON_DAEMON.contains(t);
        }
        return t.isDaemon();
    }

    /** setDaemon on a patched thread: recorded (a virtual thread refuses setDaemon(false)). */
    public static void setDaemon(Thread t, boolean on) {
        if (!t.isVirtual()) {
            t.setDaemon(on);
            EXPLICIT_DAEMON.put(t, on); // a subclass object started later keeps what was said
            return;
        }
        if (t.isAlive()) {
            throw new IllegalThreadStateException(t.getName() + " has already started");
        }
        if (on) {
            NON_DAEMON.remove(t);
        } else {
            NON_DAEMON.add(t);
        }
    }

    // ------------------------------------------------------------------------------ subclasses

    /** The virtual thread standing in for {@code t}, or {@code t}. */
    public static Thread live(Thread t) {
        if (t.isVirtual() || STAND_INS.isEmpty()) {
            return t;
        }
        Thread s = STAND_INS.get(t);
        return s == null ? t : s;
    }

    /** Thread.currentThread(): in a stand-in, the Thread object it stands for. */
    public static Thread currentThread() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual() || STAND_INS.isEmpty()) {
            return t;
        }
        Thread s = STANDS_FOR.get();
        return s == null ? t : s;
    }

    /** Starts a platform thread object (a Thread subclass) as a virtual thread standing in for it. */
    public static void startStandIn(Thread t) {
        Thread vt;
        synchronized (STAND_INS) {
            if (STAND_INS.containsKey(t) || t.getState() != Thread.State.NEW) {
                throw new IllegalThreadStateException(t.getName() + " was already started");
            }
            vt = hubForNewThread().virtualThreadBuilder().name(t.getName()).unstarted(tracked(() -> {
                STANDS_FOR.set(t);
                try {
                    t.run();
                } catch (Throwable e) {
                    Thread.UncaughtExceptionHandler h = t.getUncaughtExceptionHandler();
                    if (h == null) {
                        throw e;
                    }
                    h.uncaughtException(t, e);
                }
            }));
            STAND_INS.put(t, vt);
        }
        if (!daemonLike(t)) {
            NON_DAEMON.add(vt);
        }
        willStart(vt);
        vt.start();
    }

    // ------------------------------------------------------------------------------ main

    /** The body of main, run as a virtual thread. */
    @FunctionalInterface
    public interface MainBody {
        void run() throws Throwable;
    }

    /**
     * Runs {@code body} (main) as a virtual thread named "main" of this thread's hub, runs the hub
     * until main and every started non-daemon patched thread have ended, then returns, or rethrows
     * what main threw (the JVM then reports it as it would have).
     */
    public static void runMain(MainBody body) throws Throwable {
        Hub hub = Hub.current();
        Throwable[] failed = new Throwable[1];
        Thread main = hub.virtualThreadBuilder().name("main").unstarted(tracked(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failed[0] = t;
            } finally {
                mainEnded = true;
            }
        }));
        NON_DAEMON.add(main);
        mainHub = hub;
        mainEnded = false;
        willStart(main);
        main.start();
        hub.run(); // until stopMainHubIfDone
        mainHub = null;
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    private static void stopMainHubIfDone() {
        Hub h = mainHub;
        if (h != null && mainEnded && LIVE_NON_DAEMON.isEmpty()) {
            h.stop();
        }
    }
}
