package io.loomlet;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by JfrEventsTest in a JVM recording with JFR: makes a hub stall in a fiber, a stall in a
 * virtual thread of the hub, a pinned yield, and keeps fibers alive for the periodic statistics and
 * the fiber dump; then dumps the recording to the file named by args[0].
 */
public final class JfrEventsMain {
    static final class Slow {
        static {
            Fibers.sleep(Duration.ofMillis(20)); // a fiber that blocks in a class initialiser is pinned
        }

        static void touch() {
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("late")) {
            lateRecording(Path.of(args[0]));
            return;
        }
        Watchdog.setReporter(s -> { });
        Watchdog.enable(Duration.ofMillis(50));
        Task<Void> sleeper = Fibers.spawn("jfr-sleeper", () -> Fibers.sleep(Duration.ofSeconds(30)));
        Fibers.spawn("jfr-spinner", () -> spin(300)).join();
        Fibers.spawn("jfr-pinned", Slow::touch).join();
        AsyncResult<Void> done = new AsyncResult<>();
        Hub.current().virtualThreadBuilder().name("jfr-vthread").start(() -> {
            spin(300);
            done.set(null);
        });
        done.get();
        Fibers.sleep(Duration.ofMillis(1500)); // at least one period of the statistics
        // the recording started by -XX:StartFlightRecording holds everything: dump it (a chunk ends, so
        // the end-of-chunk FiberDump is written too)
        jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().getFirst().dump(Path.of(args[0]));
        sleeper.kill();
        System.out.println("JFR-MAIN done");
    }

    /** A recording started after the hub exists, as {@code jcmd PID JFR.start} does for a running server. */
    static void lateRecording(Path file) throws Exception {
        Task<Void> sleeper = Fibers.spawn("jfr-late-sleeper", () -> Fibers.sleep(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ofMillis(10));
        try (jdk.jfr.Recording r = new jdk.jfr.Recording()) {
            r.start();
            Fibers.sleep(Duration.ofMillis(1500));
            r.dump(file);
        }
        sleeper.kill();
        System.out.println("JFR-MAIN done");
    }

    static void spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long x = 0;
        while (System.nanoTime() < end) {
            x++;
        }
        if (x == 42) {
            System.out.println();
        }
    }
}
