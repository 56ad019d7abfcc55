package io.loomlet;

import io.loomlet.internal.Errors;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reports a hub that has not switched fibers for longer than a threshold, with the stack of the
 * fiber that holds it (gevent's {@code max_blocking_time}). Off by default:
 * {@code Watchdog.enable(Duration.ofMillis(100))} or {@code -Dloomlet.watchdog=100ms}.
 *
 * <p>The commonest hang of a shared carrier thread: fiber B parks while holding a
 * {@code synchronized} monitor, and fiber A of the same hub then enters that monitor. The JVM
 * blocks the thread, so B can never run to release it. The stack of A shows where it is stuck, but
 * the JVM reports no lock owner for it. With <em>monitor tracking</em> on
 * ({@link #enable(Duration, boolean)}; {@code -Dloomlet.watchdog.monitors=true}) every park records
 * the monitors the parking fiber holds, and the report names B and its monitors beside A. Tracking
 * costs tens of microseconds per park (a ThreadMXBean query): use it to debug, not in production.
 */
public final class Watchdog {
    private static volatile boolean trackMonitors;
    /** Monitors each parked fiber held when it parked, while tracking is on. */
    private static final Map<Fiber, String> HELD = new ConcurrentHashMap<>();
    /** The kernel's park hook: installed only while monitor tracking is on. */
    private static final ParkObserver MONITOR_TRACKER = new ParkObserver() {
        @Override
        public void parking(Fiber f) {
            String held = heldMonitors(f);
            if (held != null) {
                HELD.put(f, held);
            }
        }

        @Override
        public void resumed(Fiber f) {
            HELD.remove(f);
        }
    };
    private static volatile long thresholdNanos;
    private static volatile Consumer<String> reporter = s -> {
        System.err.print(s);
        System.err.flush();
    };
    private static Thread thread;

    static {
        String t = System.getProperty("loomlet.watchdog");
        if (t != null && !t.isBlank()) {
            Duration d = parse(t);
            if (d != null) {
                enable(d, Boolean.getBoolean("loomlet.watchdog.monitors"));
            }
        }
    }

    private Watchdog() {
    }

    private static Duration parse(String s) {
        s = s.trim().toLowerCase(Locale.ROOT);
        if (s.equals("off") || s.equals("false") || s.equals("0")) {
            return null;
        }
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        }
        return Duration.ofMillis(Long.parseLong(s));
    }

    /** Starts watching every hub; a stall longer than {@code threshold} is reported once per stall. */
    public static void enable(Duration threshold) {
        enable(threshold, trackMonitors);
    }

    /** As {@link #enable(Duration)}, choosing whether parks record held monitors. */
    public static synchronized void enable(Duration threshold, boolean monitors) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("threshold must be positive: " + threshold);
        }
        thresholdNanos = threshold.toNanos();
        trackMonitors = monitors;
        Scheduler.observer = monitors ? MONITOR_TRACKER : null;
        if (!monitors) {
            HELD.clear();
        }
        if (thread == null) {
            thread = new Thread(Watchdog::loop, "loomlet-watchdog");
            thread.setDaemon(true);
            thread.start();
        }
    }

    public static synchronized void disable() {
        trackMonitors = false;
        Scheduler.observer = null;
        HELD.clear();
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }

    public static synchronized boolean isEnabled() {
        return thread != null;
    }

    /** Where reports go (default: stderr). */
    public static void setReporter(Consumer<String> r) {
        reporter = Objects.requireNonNull(r, "reporter");
    }

    private static final class Seen {
        long switches;
        long since;
        boolean reported;
    }

    private static void loop() {
        Map<Hub, Seen> seen = new WeakHashMap<>();
        Thread me = Thread.currentThread();
        while (!me.isInterrupted()) {
            long threshold = thresholdNanos;
            try {
                Thread.sleep(Math.max(5, threshold / 4_000_000));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Hub h : Hub.all()) {
                if (h.isClosed()) {
                    continue;
                }
                Seen s = seen.computeIfAbsent(h, k -> new Seen());
                long sw = h.switchCount();
                if (sw != s.switches || h.inbox.isSleeping() || s.since == 0) {
                    s.switches = sw;
                    s.since = now;
                    s.reported = false;
                } else if (!s.reported && now - s.since > threshold) {
                    s.reported = true;
                    try {
                        reporter.accept(report(h, now - s.since));
                    } catch (Throwable t) {
                        Errors.printToStderr("watchdog reporter failed", t);
                    }
                }
            }
        }
    }

    /*
     * Reads the hub's fiber list and its fibers' fields from the watchdog thread. This is racy, but
     * the race is benign: we only report a hub whose thread has not switched for the whole
     * threshold, so the structures are not changing; if the thread moves on while we read, the
     * worst case is a stale name in one report.
     */
    static String report(Hub h, long stalledNanos) {
        StringBuilder sb = new StringBuilder();
        Fiber cur = h.sched.current;
        sb.append("loomlet watchdog: the hub of thread ").append(h.thread.getName())
                .append(" has not switched for ").append(stalledNanos / 1_000_000).append(" ms; ");
        Thread vt = cur == null ? io.loomlet.internal.VirtualThreads.threadOf(h.sched.runningVirtual) : null;
        StackTraceElement[] stack;
        if (cur != null) {
            sb.append("fiber '").append(cur.name()).append("' holds it:\n");
            stack = h.thread.getStackTrace();
            Diagnostics.appendStack(sb, stack);
            appendMonitorOwner(sb, h);
        } else if (vt != null) {
            // a virtual thread's frames are not in its carrier's stack trace: ask the thread itself
            sb.append("virtual thread '").append(vt.getName()).append("' holds it (a carrier-blocking call: a "
                    + "class initialiser, native code, or a long computation):\n");
            stack = vt.getStackTrace();
            Diagnostics.appendStack(sb, stack);
        } else {
            sb.append("a virtual thread holds it:\n");
            stack = h.thread.getStackTrace();
            Diagnostics.appendStack(sb, stack);
        }
        Events.stall(h, stalledNanos, vt, cur == null ? "a virtual thread" : cur.name(), stack);
        int holders = 0;
        try {
            for (Fiber f : h.fibers.racySnapshot()) {
                String held = HELD.get(f);
                if (f != cur && held != null) {
                    holders++;
                    sb.append("  suspended fiber '").append(f.name()).append("' [").append(f.stateName())
                            .append("] holds monitor ").append(held).append('\n');
                }
            }
        } catch (RuntimeException e) {
            // benign race (see above)
        }
        if (holders > 0) {
            sb.append("  If '").append(cur.name()).append("' is entering one of these monitors, it waits for a fiber ")
                    .append("that cannot run until it yields: a deadlock of the shared carrier thread. ")
                    .append("Do not block inside synchronized; use io.loomlet.sync.Lock.\n");
        } else if (!trackMonitors && cur != null) {
            sb.append("  (If it is stuck entering a synchronized block, enable monitor tracking, ")
                    .append("Watchdog.enable(threshold, true), to name the fiber that holds the monitor.)\n");
        }
        return sb.toString();
    }

    /** The monitors the current continuation holds (not those of frames below it), or null. */
    /**
     * If the hub's thread is blocked entering a monitor, names the monitor and its owner. The
     * owner the JVM knows is a thread: a virtual thread of the hub that parked holding the monitor
     * (a raw fiber entering it then blocks the carrier for good, since the owner can only run on that
     * carrier), or another platform thread. A fiber owner is not known to the JVM: monitor tracking
     * names it.
     */
    private static void appendMonitorOwner(StringBuilder sb, Hub h) {
        try {
            ThreadInfo ti = ManagementFactory.getThreadMXBean().getThreadInfo(h.thread.threadId());
            if (ti != null && ti.getThreadState() == Thread.State.BLOCKED && ti.getLockName() != null) {
                sb.append("  it waits to enter monitor ").append(ti.getLockName());
                if (ti.getLockOwnerName() != null) {
                    sb.append(", held by thread '").append(ti.getLockOwnerName()).append("' (id ")
                            .append(ti.getLockOwnerId()).append(")");
                }
                sb.append('\n');
            }
        } catch (RuntimeException e) {
            // a report with less in it
        }
        if (h.schedulesVirtualThreads) {
            // Measured on JDK 25: a raw fiber blocked entering a monitor that a parked virtual thread of
            // the same hub holds shows as RUNNABLE, with no owner, so only the hint below can name it.
            sb.append("  this hub also runs virtual threads: if this fiber waits to enter a monitor (a synchronized\n"
                    + "  block or method) that one of them holds, that thread can only release it on this very\n"
                    + "  thread, so the wait never ends. Code that shares monitors with patched threads should run\n"
                    + "  in a patched thread (a virtual thread), not in a raw fiber.\n");
        }
    }

    /**
     * Names the monitors the frames of {@code self}'s own continuation hold (null: none), called on
     * its stack. A ThreadMXBean query: tens of microseconds.
     */
    static String heldMonitors(Fiber self) {
        MonitorInfo[] held = monitorsHeldBy(self);
        if (held.length == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (MonitorInfo m : held) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(m.getClassName()).append('@').append(Integer.toHexString(m.getIdentityHashCode()))
                    .append(" taken at ").append(m.getLockedStackFrame());
        }
        return sb.toString();
    }

    /**
     * The monitors taken by frames of {@code self}'s own continuation, innermost first (the frames
     * above its {@code Continuation.enter}: a loop or fiber below it on the thread's stack is not
     * its). Throws if the JVM cannot say (no management support).
     */
    static MonitorInfo[] monitorsHeldBy(Fiber self) {
        if (self.cont == null) {
            return new MonitorInfo[0]; // the root owns monitors as the thread itself: re-entrant, never this hang
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ThreadInfo ti = mx.getThreadInfo(new long[] {Thread.currentThread().threadId()}, true, false)[0];
        if (ti == null || ti.getLockedMonitors().length == 0) {
            return new MonitorInfo[0];
        }
        StackTraceElement[] st = ti.getStackTrace();
        int entry = st.length;
        for (int i = 0; i < st.length; i++) {
            if (st[i].getClassName().equals("jdk.internal.vm.Continuation") && st[i].getMethodName().startsWith("enter")) {
                entry = i;
                break;
            }
        }
        final int top = entry;
        return java.util.Arrays.stream(ti.getLockedMonitors())
                .filter(m -> m.getLockedStackDepth() >= 0 && m.getLockedStackDepth() < top).toArray(MonitorInfo[]::new);
    }
}
