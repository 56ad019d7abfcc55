package io.loomlet;

import java.time.Duration;

/**
 * Run in a forked JVM by MonitorDeadlockTest: B (a fiber, or with "virtual-holder" a virtual thread of
 * the hub) parks holding a monitor, fiber A of the same hub enters it and hangs the carrier thread
 * for good. The watchdog must name both.
 */
public final class MonitorDeadlockMain {
    static final Object MONITOR = new Object();

    public static void main(String[] args) throws Exception {
        Watchdog.setReporter(s -> {
            System.out.print(s);
            System.out.flush();
        });
        Watchdog.enable(Duration.ofMillis(100), true);
        boolean virtualHolder = args.length > 0 && args[0].equals("virtual-holder");
        Thread t = new Thread(() -> {
            if (virtualHolder) {
                // B is a virtual thread of the hub: it parks holding the monitor (JEP 491 lets it unmount)
                Hub.current().virtualThreadBuilder().name("B").start(() -> {
                    synchronized (MONITOR) {
                        Fibers.sleep(Duration.ofSeconds(30));
                    }
                });
            } else {
                Fibers.spawn("B", () -> {
                    synchronized (MONITOR) {
                        Fibers.sleep(Duration.ofSeconds(30)); // parks holding MONITOR
                    }
                });
            }
            Fibers.spawn("A", () -> {
                Fibers.sleep(20);
                enterTheMonitor();
            }).join();
        }, "stuck-hub");
        t.setDaemon(true);
        t.start();
        Thread.sleep(1500);
        System.out.println("main done");
        System.exit(0);
    }

    static void enterTheMonitor() {
        synchronized (MONITOR) {
            System.out.println("A entered: the hazard did not happen");
        }
    }
}
