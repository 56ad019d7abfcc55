package io.loomlet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Run in a forked JVM by {@link PinnedMonitorTest}: fiber P takes monitor M, then blocks pinned (a
 * sleep in a static initialiser). Were another fiber (or a hub virtual thread) resumed on P's stack
 * meanwhile, it would enter M while P holds it (a re-entry, to the JVM: the same thread, M in its
 * lock stack), and its park would take M's record with it (HotSpot freezes the thread's whole lock
 * stack into the continuation that yields): so the hub resumes nobody but P until P's pinned wait
 * ends. Prints a trace line per event; forked because, were that broken, the JVM's record of held
 * monitors could be left inconsistent. Modes: {@code fiber}, {@code vthread}, {@code hopeless} (P's
 * pinned wait joins a task only a held-back fiber would end), {@code nomonitor} (P holds none: the
 * other fiber runs during the wait, as before).
 */
public final class PinnedMonitorMain {
    static final Object M = new Object();
    static final List<String> TRACE = new CopyOnWriteArrayList<>();
    static volatile Task<Void> other;

    static final class SleepsInClinit {
        static {
            TRACE.add("P: pinned wait starts");
            Fibers.sleep(60); // pinned: a <clinit> frame is native to the continuation
            TRACE.add("P: pinned wait ends");
        }

        static void touch() {
        }
    }

    static final class JoinsInClinit {
        static {
            TRACE.add("P: pinned join starts");
            other.join(); // only the held-back fiber could end this wait
        }

        static void touch() {
        }
    }

    public static void main(String[] args) throws Exception {
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("hung: " + TRACE);
            System.out.flush();
            Runtime.getRuntime().halt(3);
        });
        timer.setDaemon(true);
        timer.start();
        String mode = args[0];
        Task<Void> p = Fibers.spawn(() -> {
            if (mode.equals("nomonitor")) {
                SleepsInClinit.touch();
                return;
            }
            synchronized (M) {
                if (mode.equals("hopeless")) {
                    try {
                        JoinsInClinit.touch();
                    } catch (ExceptionInInitializerError e) {
                        TRACE.add("P: " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
                    }
                } else {
                    SleepsInClinit.touch();
                }
                TRACE.add("P holds M after its pinned wait: " + Thread.holdsLock(M));
            }
        });
        Runnable otherBody = () -> {
            TRACE.add("other runs");
            Fibers.sleep(10); // parks: on P's stack, this is what would carry M away
            synchronized (M) {
                TRACE.add("other entered M");
            }
        };
        if (mode.equals("vthread")) {
            Thread vt = Hub.current().virtualThreadBuilder().start(otherBody);
            p.join();
            while (vt.isAlive()) {
                Fibers.sleep(5); // Thread.join would block the hub's thread, which runs vt
            }
        } else {
            other = Fibers.spawn(otherBody::run);
            p.join();
            other.join();
        }
        // M must be free now for any thread
        Thread t = new Thread(() -> {
            synchronized (M) {
                TRACE.add("another thread entered M");
            }
        });
        t.start();
        t.join(5_000);
        for (String line : TRACE) {
            System.out.println(line);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
