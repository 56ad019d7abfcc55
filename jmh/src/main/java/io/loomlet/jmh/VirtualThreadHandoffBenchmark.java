package io.loomlet.jmh;

import io.loomlet.Fiber;
import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.internal.VirtualThreads;
import io.loomlet.sync.Event;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A handoff between two virtual threads that a hub schedules (issue #12), beside a fiber switch and
 * beside the JDK's own scheduler, all in one run. Every score is per single handoff: each invocation
 * does {@value #N} round trips, and a round trip is two handoffs.
 * <ul>
 *   <li>{@code hubVirtualThreadPark}: two virtual threads of the benchmark thread's hub pass a turn
 *       with {@code LockSupport.park/unpark}; the hub thread runs them both;</li>
 *   <li>{@code hubVirtualThreadSynchronousQueue}: the same two threads pass a value there and back
 *       through two {@code SynchronousQueue}s; {@code hubVirtualThreadSynchronousQueueAgent} the
 *       same under the agent, which stops the JDK's queue from spinning on the hub's one carrier, and
 *       {@code ...AgentJdkOff} under the same agent keeping the JDK as it is (run them with
 *       {@code ./loomlet bench}, from the repository root: the agent jar's path is relative to it);</li>
 *   <li>{@code fiberPingPong}: the baseline, two fibers switching to each other with
 *       {@code switchTo} ({@code SwitchBenchmark.fiberPingPong} in this class's JVMs);</li>
 *   <li>{@code defaultVirtualThreadParkOneCarrier} / {@code defaultVirtualThreadParkTwoCarriers}:
 *       {@code LockSupport} ping-pong between virtual threads of the JDK's scheduler with
 *       {@code jdk.virtualThreadScheduler.parallelism} 1 and 2 ({@code SwitchBenchmark}'s
 *       {@code Handoff});</li>
 *   <li>{@code defaultVirtualThreadSynchronousQueueOneCarrier}: the control for the hub's
 *       SynchronousQueue, the same exchange on the JDK's scheduler with one carrier.</li>
 * </ul>
 * The goal (#12): a hub virtual-thread handoff within 1.5x of a fiber switch. The hub's threads are
 * started from the root; the root waits for each batch in {@link Event#await()}, which runs the
 * hub's loop (so the JMH thread is the carrier), and the batch's last step sets the event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 5, jvmArgs = {Jvm.EXPORTS, Jvm.OPENS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class VirtualThreadHandoffBenchmark {
    static final int N = 10_000;
    private static final Integer ONE = 1;

    /** Two fibers switching to each other, as in SwitchBenchmark. */
    @State(Scope.Thread)
    public static class FiberPair {
        Fiber ping;

        @Setup(Level.Trial)
        public void setup() {
            Fiber[] pp = new Fiber[2];
            pp[0] = new Fiber("ping", v -> {
                for (;;) {
                    int n = (Integer) v;
                    for (int i = 0; i < n; i++) {
                        pp[1].switchTo();
                    }
                    v = Fiber.root().switchTo();
                }
            });
            pp[1] = new Fiber("pong", v -> {
                for (;;) {
                    pp[0].switchTo();
                }
            });
            ping = pp[0];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Hub.current().close();
        }
    }

    /**
     * Two virtual threads of this thread's hub. {@code a} waits for a batch (the root unparks it),
     * runs it against {@code b}, and sets {@code done}; the root meanwhile waits on {@code done}.
     */
    abstract static class HubPair {
        final Event done = new Event();
        volatile int rounds;
        volatile boolean go;
        volatile boolean stop;
        Thread a;
        Thread b;

        void start() {
            Thread.Builder.OfVirtual builder = Hub.current().virtualThreadBuilder();
            a = builder.name("a").unstarted(this::runA);
            b = builder.name("b").unstarted(this::runB);
            a.start();
            b.start();
        }

        /** {@code n} round trips; the root runs the hub until they are done. */
        void run(int n) {
            done.clear();
            rounds = n;
            go = true;
            LockSupport.unpark(a);
            done.await();
        }

        private void runA() {
            try {
                for (;;) {
                    while (!go && !stop) {
                        LockSupport.park(this);
                    }
                    if (stop) {
                        return;
                    }
                    go = false;
                    batch(rounds);
                    done.set();
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        /** a's side of {@code n} round trips. */
        abstract void batch(int n) throws InterruptedException;

        /** b's side, until stopped. */
        abstract void runB();

        void close() {
            stop = true;
            a.interrupt();
            b.interrupt();
            Fibers.sleep(Duration.ofMillis(50)); // the hub runs them to their end
            Hub.current().close();
        }
    }

    /** The hub pair passing a turn with LockSupport, as SwitchBenchmark's Handoff does. */
    @State(Scope.Thread)
    public static class HubParkPair extends HubPair {
        private volatile int turn; // 0: a's turn, 1: b's turn

        @Setup(Level.Trial)
        public void setup() {
            start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }

        @Override
        void batch(int n) {
            for (int i = 0; i < n; i++) {
                turn = 1;
                LockSupport.unpark(b);
                while (turn != 0) {
                    LockSupport.park(this);
                }
            }
        }

        @Override
        void runB() {
            while (!stop) {
                while (turn != 1 && !stop) {
                    LockSupport.park(this);
                }
                if (stop) {
                    return;
                }
                turn = 0;
                LockSupport.unpark(a);
            }
        }
    }

    /** The hub pair passing a value there and back through two SynchronousQueues. */
    @State(Scope.Thread)
    public static class HubQueuePair extends HubPair {
        private final SynchronousQueue<Integer> there = new SynchronousQueue<>();
        private final SynchronousQueue<Integer> back = new SynchronousQueue<>();

        @Setup(Level.Trial)
        public void setup() {
            start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }

        @Override
        void batch(int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                there.put(ONE);
                back.take();
            }
        }

        @Override
        void runB() {
            try {
                for (;;) {
                    back.put(there.take());
                }
            } catch (InterruptedException e) {
                // closed
            }
        }
    }

    /**
     * The floor for any scheduler of our own: the same park/unpark ping-pong on a scheduler that
     * does nothing but append the JDK's continuation task to a plain {@code ArrayDeque}, drained by
     * the benchmark thread until the batch is done. No hub, no Loomlet code on the path: what is
     * left is the JDK's per-handoff work (mount, unmount, park and unpark bookkeeping, the
     * continuation's yield and run). Everything runs on the benchmark thread, so the deque needs no
     * synchronisation; a call of {@code execute} from another thread would be a bug of this setup
     * and fails the trial.
     */
    @State(Scope.Thread)
    public static class MinimalSchedulerPair {
        private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
        private Thread carrier;
        private volatile int turn; // 0: a's turn, 1: b's turn
        private volatile int rounds;
        private volatile boolean done;
        private volatile boolean stop;
        private Thread a;
        private Thread b;

        @Setup(Level.Trial)
        public void setup() {
            carrier = Thread.currentThread();
            Executor ex = task -> {
                if (VirtualThreads.carrier() != carrier) {
                    throw new IllegalStateException("execute from " + Thread.currentThread());
                }
                ready.addLast(task);
            };
            Thread.Builder.OfVirtual builder = VirtualThreads.builder(ex);
            a = builder.unstarted(() -> {
                while (!stop) {
                    while (rounds == 0 && !stop) {
                        LockSupport.park(this);
                    }
                    for (int i = 0, n = rounds; i < n; i++) {
                        turn = 1;
                        LockSupport.unpark(b);
                        while (turn != 0) {
                            LockSupport.park(this);
                        }
                    }
                    rounds = 0;
                    done = true;
                }
            });
            b = builder.unstarted(() -> {
                while (!stop) {
                    while (turn != 1 && !stop) {
                        LockSupport.park(this);
                    }
                    turn = 0;
                    LockSupport.unpark(a);
                }
            });
            a.start();
            b.start();
            drain();
        }

        /** Runs what is ready until the batch is done (or nothing is left to run). */
        private void drain() {
            for (Runnable r; !done && (r = ready.pollFirst()) != null; ) {
                r.run();
            }
        }

        void run(int n) {
            done = false;
            rounds = n;
            LockSupport.unpark(a);
            drain();
            if (!done) {
                throw new IllegalStateException("the batch stopped with nothing to run");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop = true;
            LockSupport.unpark(a);
            LockSupport.unpark(b);
            for (Runnable r; (r = ready.pollFirst()) != null; ) {
                r.run();
            }
        }
    }

    /** Two virtual threads of the JDK's scheduler (SwitchBenchmark's Handoff). */
    @State(Scope.Thread)
    public static class DefaultPair {
        SwitchBenchmark.Handoff handoff;

        @Setup(Level.Trial)
        public void setup() {
            handoff = new SwitchBenchmark.Handoff(Thread.ofVirtual().factory());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            handoff.close();
        }
    }

    /**
     * The control for the hub's SynchronousQueue: the same exchange between two virtual threads of
     * the JDK's scheduler, started by the benchmark thread and reporting each batch with a latch.
     */
    @State(Scope.Thread)
    public static class DefaultQueuePair {
        private final SynchronousQueue<Integer> there = new SynchronousQueue<>();
        private final SynchronousQueue<Integer> back = new SynchronousQueue<>();
        private final Semaphore requests = new Semaphore(0);
        private volatile int rounds;
        private volatile CountDownLatch done;
        private Thread a;
        private Thread b;

        @Setup(Level.Trial)
        public void setup() {
            a = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        requests.acquire();
                        for (int i = 0, n = rounds; i < n; i++) {
                            there.put(ONE);
                            back.take();
                        }
                        done.countDown();
                    }
                } catch (InterruptedException e) {
                    // closed
                }
            });
            b = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        back.put(there.take());
                    }
                } catch (InterruptedException e) {
                    // closed
                }
            });
        }

        void run(int n) throws InterruptedException {
            rounds = n;
            CountDownLatch d = new CountDownLatch(1);
            done = d;
            requests.release();
            d.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            a.interrupt();
            b.interrupt();
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public Object fiberPingPong(FiberPair s) {
        return s.ping.switchTo(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void hubVirtualThreadPark(HubParkPair s) {
        s.run(N);
    }

    /** The floor: {@link MinimalSchedulerPair}, the same ping-pong with no scheduler work at all. */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void minimalSchedulerVirtualThreadPark(MinimalSchedulerPair s) {
        s.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void hubVirtualThreadSynchronousQueue(HubQueuePair s) {
        s.run(N);
    }

    /**
     * As {@link #hubVirtualThreadSynchronousQueue}, under the agent with no part patched: its rewrite
     * of the JDK's transfer-queue wait (iopatch's {@code JdkSpins}) makes the waiter park at once
     * instead of spinning 128 times on the one carrier its partner needs.
     */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(jvmArgsAppend = {Jvm.AGENT_NONE, Jvm.AGENT_NO_WATCHDOG, Jvm.AGENT_NO_JMX})
    public void hubVirtualThreadSynchronousQueueAgent(HubQueuePair s) {
        s.run(N);
    }

    /** The control for the one above: the same agent, keeping the JDK's wait as it is. */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(jvmArgsAppend = {Jvm.AGENT_NONE, Jvm.AGENT_NO_WATCHDOG, Jvm.AGENT_NO_JMX, Jvm.AGENT_JDK_OFF})
    public void hubVirtualThreadSynchronousQueueAgentJdkOff(HubQueuePair s) {
        s.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(value = 5, jvmArgs = {Jvm.EXPORTS, Jvm.OPENS, Jvm.UNSAFE_ALLOW, "-Xmx2g"},
            jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=1")
    public void defaultVirtualThreadParkOneCarrier(DefaultPair s) throws InterruptedException {
        s.handoff.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(value = 5, jvmArgs = {Jvm.EXPORTS, Jvm.OPENS, Jvm.UNSAFE_ALLOW, "-Xmx2g"},
            jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=2")
    public void defaultVirtualThreadParkTwoCarriers(DefaultPair s) throws InterruptedException {
        s.handoff.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(value = 5, jvmArgs = {Jvm.EXPORTS, Jvm.OPENS, Jvm.UNSAFE_ALLOW, "-Xmx2g"},
            jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=1")
    public void defaultVirtualThreadSynchronousQueueOneCarrier(DefaultQueuePair s) throws InterruptedException {
        s.run(N);
    }
}
