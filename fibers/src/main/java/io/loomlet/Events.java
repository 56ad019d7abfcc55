package io.loomlet;

import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * Loomlet's JDK Flight Recorder events, shown by {@code jfr print --categories Loomlet} and in JDK
 * Mission Control under "Loomlet". Committing an event costs one check when no recording runs.
 *
 * <ul>
 *   <li>{@code loomlet.HubStall}: the watchdog saw a hub not switch for longer than its threshold;
 *       the fiber holding it and its stack.</li>
 *   <li>{@code loomlet.CarrierBlocked}: the same when a virtual thread of the hub holds it — under
 *       the monkey patch, a patched thread in a carrier-blocking call (a class initialiser, native
 *       code, file I/O, a long computation).</li>
 *   <li>{@code loomlet.PinnedYield}: a fiber could not yield (pinned) and ran the hub on its own stack.</li>
 *   <li>{@code loomlet.HubStatistics} (every second while recording): per hub, live fibers, fibers
 *       spawned and ended so far, switches.</li>
 *   <li>{@code loomlet.FiberDump} (at the end of each recording chunk, so also on
 *       {@code jcmd PID JFR.dump}): {@link Fibers#dump()}, every hub's fibers and their stacks, for a
 *       running server seen from outside.</li>
 * </ul>
 * The periodic ones are registered with the first hub (a few milliseconds of class loading, once).
 */
final class Events {
    private static final AtomicBoolean REGISTERED = new AtomicBoolean();
    /**
     * Set once JFR is initialised (a recording started). Until then no event object is made: loading
     * an event class costs milliseconds, which a pinned fiber or the watchdog should not pay for
     * nothing.
     */
    private static volatile boolean recorder;

    private Events() {
    }

    private static final AtomicBoolean PERIODIC = new AtomicBoolean();

    /** A recording runs: events are made from now on, and the periodic ones registered, once. */
    private static void startRecording() {
        recorder = true;
        if (PERIODIC.compareAndSet(false, true)) {
            FlightRecorder.addPeriodicEvent(HubStatistics.class, Events::emitStatistics);
            FlightRecorder.addPeriodicEvent(FiberDump.class, Events::emitDump);
        }
    }

    /** Registers the periodic events once; never fails the hub (JFR may be absent from a small runtime). */
    static void registerPeriodic() {
        if (!REGISTERED.compareAndSet(false, true)) {
            return;
        }
        try {
            // Registering periodic events initialises JFR's metadata (about 300 ms measured here), so it
            // waits until a recording starts: at once if one already runs, else when one is started
            // (-XX:StartFlightRecording, jcmd JFR.start, JMC).
            FlightRecorder.addListener(new jdk.jfr.FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder r) {
                    startRecording();
                }

                @Override
                public void recordingStateChanged(jdk.jfr.Recording r) {
                    // a recording started later (jcmd JFR.start, JMC) also lands here
                    if (r.getState() == jdk.jfr.RecordingState.RUNNING) {
                        startRecording();
                    }
                }
            });
        } catch (Throwable t) {
            // no jdk.jfr module in this runtime: Loomlet runs without its events
        }
    }

    private static void emitStatistics() {
        for (Hub h : Hub.all()) {
            HubStatistics e = new HubStatistics();
            e.hubThread = h.thread.getName();
            e.liveFibers = h.fibers.size();
            e.spawned = h.fibers.added();
            e.ended = h.fibers.removed();
            e.switches = h.switchCount();
            e.schedulesVirtualThreads = h.schedulesVirtualThreads;
            e.commit();
        }
    }

    private static void emitDump() {
        FiberDump e = new FiberDump();
        if (e.isEnabled()) {
            e.dump = Fibers.dump();
            e.commit();
        }
    }

    @Name("loomlet.HubStall")
    @Label("Hub Stall")
    @Category("Loomlet")
    @Description("A hub did not switch for longer than the watchdog's threshold: the fiber holding its thread")
    @StackTrace(false)
    static final class HubStall extends Event {
        @Label("Hub Thread")
        String hubThread;
        @Label("Stalled (ms)")
        long stalledMillis;
        @Label("Holder")
        String holder;
        @Label("Holder's Stack")
        String stack;
    }

    @Name("loomlet.CarrierBlocked")
    @Label("Carrier Blocked by a Virtual Thread")
    @Category("Loomlet")
    @Description("A virtual thread of a hub (a patched thread under the monkey patch) held the hub's thread "
            + "in a call that cannot unmount or does not block: class initialiser, native code, file I/O, computation")
    @StackTrace(false)
    static final class CarrierBlocked extends Event {
        @Label("Hub Thread")
        String hubThread;
        @Label("Stalled (ms)")
        long stalledMillis;
        @Label("Virtual Thread")
        String virtualThread;
        @Label("Its Stack")
        String stack;
    }

    @Name("loomlet.PinnedYield")
    @Label("Pinned Yield")
    @Category("Loomlet")
    @Description("A fiber could not yield (a native frame or a class initialiser on its stack) and ran the hub on its own stack")
    static final class PinnedYield extends Event {
        @Label("Fiber")
        String fiber;
        @Label("Reason")
        String reason;
    }

    @Name("loomlet.HubStatistics")
    @Label("Hub Statistics")
    @Category("Loomlet")
    @Period("1 s")
    @StackTrace(false)
    static final class HubStatistics extends Event {
        @Label("Hub Thread")
        String hubThread;
        @Label("Live Fibers")
        int liveFibers;
        @Label("Fibers Spawned")
        long spawned;
        @Label("Fibers Ended")
        long ended;
        @Label("Switches")
        long switches;
        @Label("Schedules Virtual Threads")
        boolean schedulesVirtualThreads;
    }

    @Name("loomlet.FiberDump")
    @Label("Fiber Dump")
    @Category("Loomlet")
    @Period("endChunk")
    @StackTrace(false)
    static final class FiberDump extends Event {
        @Label("Dump")
        String dump;
    }

    static void stall(Hub h, long stalledNanos, Thread virtualThread, String holder, StackTraceElement[] stack) {
        if (!recorder) {
            return;
        }
        if (virtualThread != null) {
            CarrierBlocked e = new CarrierBlocked();
            if (e.isEnabled()) {
                e.hubThread = h.thread.getName();
                e.stalledMillis = stalledNanos / 1_000_000;
                e.virtualThread = virtualThread.getName();
                e.stack = text(stack);
                e.commit();
            }
            return;
        }
        HubStall e = new HubStall();
        if (e.isEnabled()) {
            e.hubThread = h.thread.getName();
            e.stalledMillis = stalledNanos / 1_000_000;
            e.holder = holder;
            e.stack = text(stack);
            e.commit();
        }
    }

    static void pinned(String fiber, String reason) {
        if (!recorder) {
            return;
        }
        PinnedYield e = new PinnedYield();
        if (e.isEnabled()) {
            e.fiber = fiber;
            e.reason = reason;
            e.commit();
        }
    }

    private static String text(StackTraceElement[] stack) {
        StringBuilder sb = new StringBuilder();
        Diagnostics.appendStack(sb, stack);
        return sb.toString();
    }
}
