package io.loomlet.legacyit.spike;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Spike for issue #12 item 1: JDK 25 virtual threads whose scheduler is our own {@link Executor}, here
 * a minimal event loop on ONE platform thread standing in for a Loomlet hub. Findings are in
 * {@code legacy-it/SPIKE-VT-SCHEDULER.md}.
 *
 * <p>Run (after {@code ./loomlet mvn -pl legacy-it -am test-compile}):
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp legacy-it/target/test-classes \
 *      io.loomlet.legacyit.spike.VirtualThreadSchedulerSpike [--quick]
 * </pre>
 * Each part asserts that every virtual thread ran on the loop's one carrier thread, and the spike prints
 * which platform threads submitted continuations to the loop (who wakes a sleep, a monitor, a socket),
 * the process's platform threads, and an indicative park/unpark handoff timing against the default
 * scheduler. It ends with {@code SPIKE ok} or {@code SPIKE FAIL ...}, exit status 0 or 1.
 */
public final class VirtualThreadSchedulerSpike {

    /** The hub stand-in: runs submitted tasks one by one on one platform thread, from a queue. */
    static final class OneThreadLoop implements Executor {
        final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final Thread thread;
        final LongAdder executed = new LongAdder();
        /** Who called execute: a platform thread's name, or "vthread on CARRIER" for a mounted vthread. */
        final Map<String, LongAdder> submitters = new ConcurrentHashMap<>();
        volatile boolean recordSubmitters = true;
        /** When set (by a thread about to start a vthread), the next Runnable submitted by it is kept. */
        static final ThreadLocal<AtomicReference<Runnable>> CAPTURE = new ThreadLocal<>();
        /** Counts the submissions of one Runnable (to see whether a vthread reuses one object). */
        volatile Runnable watched;
        final LongAdder watchedSubmits = new LongAdder();

        OneThreadLoop(String name) {
            thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
            thread.start();
        }

        @Override
        public void execute(Runnable task) {
            AtomicReference<Runnable> capture = CAPTURE.get();
            if (capture != null && capture.get() == null) capture.set(task);
            if (task == watched) watchedSubmits.increment();
            if (recordSubmitters) {
                Thread t = Thread.currentThread();
                String who = t.isVirtual()
                        ? "virtual thread " + namePrefix(t.getName()) + " (mounted on " + carrier().getName() + ")"
                        : namePrefix(t.getName());
                submitters.computeIfAbsent(who, k -> new LongAdder()).increment();
            }
            queue.add(task);
        }

        private void loop() {
            try {
                while (true) {
                    Runnable task = queue.take();
                    executed.increment();
                    task.run();
                }
            } catch (InterruptedException e) {
                // daemon: dies with the JVM
            }
        }

        private static String namePrefix(String name) {
            String n = name.isEmpty() ? "(unnamed)" : name;
            return n.replaceAll("-?\\d+$", "-N");
        }
    }

    /**
     * The same loop with the hub's shape: a plain deque for submissions made on the loop's own thread (a
     * vthread mounted on it unparking another, or the carrier after an unmount) and a lock-free queue plus
     * {@code LockSupport.unpark} for other threads. Used for the handoff timing only.
     */
    static final class FastLoop implements Executor {
        final java.util.ArrayDeque<Runnable> local = new java.util.ArrayDeque<>();
        final java.util.concurrent.ConcurrentLinkedQueue<Runnable> remote = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final Thread thread;

        FastLoop(String name) {
            thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
            thread.start();
        }

        @Override
        public void execute(Runnable task) {
            Thread carrier;
            try {
                carrier = (Thread) CURRENT_CARRIER_MH.invokeExact();
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            if (carrier == thread) {
                local.add(task);
            } else {
                remote.add(task);
                LockSupport.unpark(thread);
            }
        }

        private void loop() {
            while (true) {
                Runnable task = local.poll();
                if (task == null) task = remote.poll();
                if (task == null) {
                    LockSupport.park();
                    continue;
                }
                task.run();
            }
        }
    }

    // ---- the reflective entry points (need --add-opens java.base/java.lang=ALL-UNNAMED) ----

    static final Constructor<?> VT_BUILDER;
    static final Method CURRENT_CARRIER;
    static final java.lang.invoke.MethodHandle CURRENT_CARRIER_MH;

    static {
        try {
            Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            VT_BUILDER = builder.getDeclaredConstructor(Executor.class);
            VT_BUILDER.setAccessible(true);
            CURRENT_CARRIER = Thread.class.getDeclaredMethod("currentCarrierThread");
            CURRENT_CARRIER.setAccessible(true);
            CURRENT_CARRIER_MH = java.lang.invoke.MethodHandles.privateLookupIn(Thread.class,
                    java.lang.invoke.MethodHandles.lookup()).findStatic(Thread.class, "currentCarrierThread",
                    java.lang.invoke.MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "needs --add-opens java.base/java.lang=ALL-UNNAMED: " + e, e));
        }
    }

    /** {@code Thread.ofVirtual()} with our scheduler: the JDK's hidden VirtualThreadBuilder(Executor). */
    static Thread.Builder.OfVirtual virtualThreadsOn(Executor scheduler) {
        try {
            return (Thread.Builder.OfVirtual) VT_BUILDER.newInstance(scheduler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The platform thread the current (virtual) thread is mounted on. */
    static Thread carrier() {
        try {
            return (Thread) CURRENT_CARRIER.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- checks ----

    static final List<String> FAILURES = new ArrayList<>();
    static OneThreadLoop loop;
    static final AtomicLong OFF_LOOP = new AtomicLong();

    /** Called inside virtual threads: counts any moment a vthread runs somewhere other than the loop. */
    static void onLoop() {
        if (!Thread.currentThread().isVirtual() || carrier() != loop.thread) OFF_LOOP.incrementAndGet();
    }

    static void check(boolean ok, String what) {
        System.out.println((ok ? "  ok   " : "  FAIL ") + what);
        if (!ok) FAILURES.add(what);
    }

    /** Prints who called the loop's execute since the last call, and starts counting afresh. */
    static void submittedBy() {
        System.out.println("    continuations submitted by: " + new TreeMap<>(loop.submitters));
        loop.submitters.clear();
    }

    static void joinAll(List<Thread> threads, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) t.join(left);
        }
    }

    static boolean allDead(List<Thread> threads) {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        System.out.println("JDK " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors()
                + " cpus, jdk.pollerMode=" + System.getProperty("jdk.pollerMode", "(default)"));
        loop = new OneThreadLoop("hub-loop");
        Thread.Builder.OfVirtual hub = virtualThreadsOn(loop);

        synchronousQueue(hub);
        waitNotify(hub);
        monitorAcrossSleep(hub);
        identityInterruptLocals(hub);
        timers(hub);
        pinning(hub);
        echo(hub, quick ? 100 : 500, quick ? 5 : 20);

        check(OFF_LOOP.get() == 0, "every check inside a virtual thread ran on carrier " + loop.thread.getName()
                + " (off the loop: " + OFF_LOOP.get() + ")");

        System.out.println("loop ran " + loop.executed.sum() + " tasks in all");

        var mx = ManagementFactory.getThreadMXBean();
        TreeSet<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName() + (t.isDaemon() ? "" : " (non-daemon)")));
        System.out.println("\nplatform threads now: " + mx.getThreadCount() + " (peak " + mx.getPeakThreadCount()
                + "): " + names);

        handoff(hub, quick);

        if (FAILURES.isEmpty()) {
            System.out.println("\nSPIKE ok");
        } else {
            System.out.println("\nSPIKE FAIL " + FAILURES);
            System.exit(1);
        }
    }

    static void synchronousQueue(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("SynchronousQueue producer/consumer");
        loop.submitters.clear();
        SynchronousQueue<Integer> q = new SynchronousQueue<>();
        int n = 20_000;
        AtomicLong sum = new AtomicLong();
        Thread consumer = hub.name("consumer").start(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    sum.addAndGet(q.take());
                    if (i % 1000 == 0) onLoop();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread producer = hub.name("producer").start(() -> {
            try {
                for (int i = 1; i <= n; i++) {
                    q.put(i);
                    if (i % 1000 == 0) onLoop();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        joinAll(List.of(consumer, producer), 20_000);
        check(sum.get() == (long) n * (n + 1) / 2, n + " items handed over, sum " + sum.get());
        submittedBy();
    }

    static void waitNotify(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("wait/notify");
        loop.submitters.clear();
        Object lock = new Object();
        int[] slot = {0};
        int rounds = 2_000;
        Thread even = hub.name("even").start(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    synchronized (lock) {
                        while (slot[0] % 2 != 0) lock.wait();
                        slot[0]++;
                        lock.notifyAll();
                    }
                }
                onLoop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread odd = hub.name("odd").start(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    synchronized (lock) {
                        while (slot[0] % 2 != 1) lock.wait();
                        slot[0]++;
                        lock.notifyAll();
                    }
                }
                onLoop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        joinAll(List.of(even, odd), 20_000);
        check(slot[0] == 2 * rounds, "wait/notify ping-pong " + slot[0] + "/" + 2 * rounds);
        submittedBy();
    }

    static void monitorAcrossSleep(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("a monitor held across a sleep, contended");
        loop.submitters.clear();
        Object monitor = new Object();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicLong ticks = new AtomicLong();
        AtomicLong ticksWhileHeld = new AtomicLong();
        CountDownLatch holding = new CountDownLatch(1);
        Thread ticker = hub.name("ticker").start(() -> {
            for (int i = 0; i < 40; i++) {
                ticks.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<Thread> threads = new ArrayList<>();
        threads.add(hub.name("holder").start(() -> {
            synchronized (monitor) {
                inside.incrementAndGet();
                holding.countDown();
                long before = ticks.get();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                ticksWhileHeld.set(ticks.get() - before);
                onLoop();
                inside.decrementAndGet();
            }
        }));
        holding.await();
        for (int i = 0; i < 5; i++) {
            threads.add(hub.name("contender-" + i).start(() -> {
                synchronized (monitor) {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    onLoop();
                    inside.decrementAndGet();
                }
            }));
        }
        threads.add(ticker);
        joinAll(threads, 10_000);
        check(allDead(threads) && maxInside.get() == 1, "5 contenders entered after the holder, one at a time");
        check(ticksWhileHeld.get() > 5, "other virtual threads ran while the monitor was held across a sleep ("
                + ticksWhileHeld.get() + " ticks): synchronized no longer pins (JEP 491)");
        submittedBy();
    }

    static final InheritableThreadLocal<String> CONTEXT = new InheritableThreadLocal<>();
    static final ThreadLocal<String> LOCAL = new ThreadLocal<>();

    static void identityInterruptLocals(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("Thread.currentThread, interrupt, ThreadLocal, InheritableThreadLocal");
        loop.submitters.clear();
        AtomicReference<String> seen = new AtomicReference<>("");
        AtomicReference<Thread> self = new AtomicReference<>();
        Thread parent = hub.name("parent").start(() -> {
            self.set(Thread.currentThread());
            CONTEXT.set("ctx-parent");
            LOCAL.set("local-parent");
            StringBuilder b = new StringBuilder();
            // a child made with the public builder inside a hub vthread inherits the parent's scheduler
            Thread child = Thread.ofVirtual().name("child").start(() -> {
                onLoop();
                b.append(Thread.currentThread().getName()).append(' ').append(CONTEXT.get()).append(' ')
                        .append(LOCAL.get()).append(' ').append(carrier().getName());
            });
            try {
                child.join();
            } catch (InterruptedException e) {
                return;
            }
            seen.set(b.toString());
        });
        parent.join(5_000);
        check(self.get() == parent, "Thread.currentThread() in a hub vthread is that vthread");
        check(seen.get().equals("child ctx-parent null " + loop.thread.getName()),
                "child: own name, inherited context, own ThreadLocal, and Thread.ofVirtual() inside a hub"
                        + " vthread runs on the same loop: '" + seen.get() + "'");

        LinkedBlockingQueue<String> never = new LinkedBlockingQueue<>();
        AtomicInteger interrupted = new AtomicInteger();
        List<Thread> blocked = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            blocked.add(hub.name("sleeper-" + i).start(() -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    onLoop();
                    interrupted.incrementAndGet();
                }
            }));
            blocked.add(hub.name("taker-" + i).start(() -> {
                try {
                    never.take();
                } catch (InterruptedException e) {
                    onLoop();
                    interrupted.incrementAndGet();
                }
            }));
        }
        Thread.sleep(50);
        long t0 = System.nanoTime();
        // interrupt from another hub vthread, as a legacy pool's shutdown would
        hub.name("stopper").start(() -> blocked.forEach(Thread::interrupt)).join(5_000);
        joinAll(blocked, 5_000);
        check(allDead(blocked) && interrupted.get() == 20, interrupted.get() + "/20 vthreads blocked in sleep/take"
                + " stopped by interrupt in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        submittedBy();
    }

    static void timers(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("timers: who wakes Thread.sleep, parkNanos, wait(timeout)");
        loop.submitters.clear();
        AtomicReference<Runnable> first = new AtomicReference<>();
        OneThreadLoop.CAPTURE.set(first);
        AtomicLong slept = new AtomicLong();
        Thread sleeper = hub.name("sleeper").unstarted(() -> {
            long t0 = System.nanoTime();
            try {
                Thread.sleep(50);
                LockSupport.parkNanos(20_000_000);
                Object o = new Object();
                synchronized (o) {
                    o.wait(20);
                }
            } catch (InterruptedException e) {
                return;
            }
            slept.set((System.nanoTime() - t0) / 1_000_000);
            onLoop();
        });
        sleeper.start();
        OneThreadLoop.CAPTURE.remove();
        loop.watched = first.get();
        Map<String, LongAdder> before = Map.copyOf(loop.submitters);
        sleeper.join(5_000);
        System.out.println("    Runnable the executor receives: " + first.get().getClass().getName()
                + "; the same object was submitted " + (1 + loop.watchedSubmits.sum()) + " times (start + wakes)");
        loop.watched = null;
        System.out.println("    submitters during the sleeps: " + new TreeMap<>(loop.submitters)
                + " (start: " + before.keySet() + ")");
        // >= 70, not 90: Thread.sleep of a vthread leaves the park permit set when it returns (a documented
        // spurious wakeup, VirtualThread.sleepNanos), so the parkNanos right after it returns at once.
        check(slept.get() >= 70 && slept.get() < 1_000, "sleep 50 + parkNanos 20 (returns at once: sleep left"
                + " the permit) + wait 20 took " + slept.get() + " ms");
        check(loop.submitters.keySet().stream().anyMatch(k -> k.startsWith("VirtualThread-unparker")),
                "timed parks of custom-scheduler vthreads are woken by the JDK's 'VirtualThread-unparker'"
                        + " platform thread (a ScheduledThreadPoolExecutor), not by the scheduler");
    }

    static class SlowInit {
        static final long STARTED = System.nanoTime();

        static {
            try {
                Thread.sleep(200); // blocking in a class initialiser: the continuation is pinned
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static long started() {
            return STARTED;
        }
    }

    static void pinning(Thread.Builder.OfVirtual hub) throws Exception {
        System.out.println("pinning: a sleep inside a class initialiser");
        AtomicLong ticks = new AtomicLong();
        AtomicLong ticksDuringInit = new AtomicLong(-1);
        Thread ticker = hub.name("ticker").start(() -> {
            for (int i = 0; i < 60; i++) {
                ticks.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Thread.sleep(20);
        Thread pinned = hub.name("pinned").start(() -> {
            long before = ticks.get();
            long t0 = System.nanoTime();
            SlowInit.started();
            ticksDuringInit.set(ticks.get() - before);
            System.out.println("    class init took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        });
        joinAll(List.of(pinned, ticker), 10_000);
        check(ticksDuringInit.get() == 0, "while a vthread sleeps pinned (class initialiser), the loop's carrier"
                + " is blocked: other vthreads made " + ticksDuringInit.get() + " ticks in 200 ms");
    }

    static void echo(Thread.Builder.OfVirtual hub, int clients, int roundTrips) throws Exception {
        System.out.println("echo: " + clients + " JDK-socket clients x " + roundTrips
                + " round trips against a JDK ServerSocket, all hub vthreads");
        loop.submitters.clear();
        ServerSocket server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        AtomicLong handlers = new AtomicLong();
        // builders are not thread-safe: the acceptor vthread gets its own
        Thread.Builder.OfVirtual handlerThreads = virtualThreadsOn(loop).name("handler-", 0);
        Thread acceptor = hub.name("acceptor").start(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    handlers.incrementAndGet();
                    handlerThreads.start(() -> {
                        onLoop();
                        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.UTF_8)); OutputStream out = s.getOutputStream()) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                out.write((line.toUpperCase() + "\n").getBytes(StandardCharsets.UTF_8));
                            }
                        } catch (Exception e) {
                            // client gone
                        }
                    });
                }
            } catch (Exception closed) {
                // server closed
            }
        });
        AtomicLong good = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> cs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            final int n = c;
            cs.add(hub.name("client-" + c).start(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                     PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                             StandardCharsets.UTF_8))) {
                    for (int i = 0; i < roundTrips; i++) {
                        out.println("hello " + n + " " + i);
                        if (("HELLO " + n + " " + i).equals(in.readLine())) good.incrementAndGet();
                    }
                    onLoop();
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
            }));
        }
        joinAll(cs, 60_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        server.close();
        acceptor.join(5_000);
        var mx = ManagementFactory.getThreadMXBean();
        check(good.get() == (long) clients * roundTrips && errors.get() == 0, good.get() + "/" + clients * roundTrips
                + " echo round trips in " + ms + " ms, " + errors.get() + " errors, " + handlers.get()
                + " connections; platform threads now " + mx.getThreadCount());
        System.out.println("    socket wake-ups came from: " + new TreeMap<>(loop.submitters));
    }

    static void handoff(Thread.Builder.OfVirtual hub, boolean quick) throws Exception {
        System.out.println("\npark/unpark handoff round trip (indicative: a timed loop, not JMH)");
        loop.recordSubmitters = false;
        int n = quick ? 20_000 : 200_000;
        int reps = quick ? 2 : 5;
        Thread.Builder.OfVirtual fast = virtualThreadsOn(new FastLoop("fast-loop"));
        for (String which : List.of("one-thread loop (LinkedBlockingQueue)", "one-thread loop (local deque)",
                "default scheduler (ForkJoinPool)")) {
            Thread.Builder.OfVirtual b = which.contains("Linked") ? hub : which.contains("deque") ? fast
                    : Thread.ofVirtual();
            long[] ns = new long[reps];
            for (int r = -1; r < reps; r++) { // r == -1: warm-up
                long t = pingPong(b, n);
                if (r >= 0) ns[r] = t / n;
            }
            Arrays.sort(ns);
            System.out.println("  " + which + ": median " + ns[reps / 2] + " ns per round trip (min " + ns[0]
                    + ", max " + ns[reps - 1] + ", " + n + " round trips x " + reps + ")");
        }
    }

    /** Two vthreads, A and B: A unparks B and parks until B unparks it back; one round trip = 2 handoffs. */
    static long pingPong(Thread.Builder.OfVirtual b, int n) throws Exception {
        AtomicInteger turn = new AtomicInteger(); // 0: A's turn, 1: B's turn
        Thread[] ab = new Thread[2];
        CountDownLatch ready = new CountDownLatch(1);
        ab[1] = b.name("B").unstarted(() -> {
            try {
                ready.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < n; i++) {
                while (turn.get() != 1) LockSupport.park();
                turn.set(0);
                LockSupport.unpark(ab[0]);
            }
        });
        ab[0] = b.name("A").unstarted(() -> {
            try {
                ready.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < n; i++) {
                turn.set(1);
                LockSupport.unpark(ab[1]);
                while (turn.get() != 0) LockSupport.park();
            }
        });
        ab[0].start();
        ab[1].start();
        long t0 = System.nanoTime();
        ready.countDown();
        ab[0].join();
        ab[1].join();
        return System.nanoTime() - t0;
    }
}
