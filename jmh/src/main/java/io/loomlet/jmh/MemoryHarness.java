package io.loomlet.jmh;

import io.loomlet.Fiber;
import io.loomlet.Fibers;
import io.loomlet.Hub;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Heap bytes per parked sleeper, at 1,000,000, measured in a fresh JVM per kind (the report script
 * runs each with the same flags): {@code fiber} (a plain Fiber parked in sleep), {@code task} (a
 * spawned Task: Fiber plus its outcome), {@code vthread} (a virtual thread in Thread.sleep). Used heap
 * after full GCs, before and after, divided by the count. Prints one line: "kind count bytesEach";
 * with {@code --histogram} also the top of the live-object histogram, to see what the bytes are.
 */
public final class MemoryHarness {
    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        List<Object> keep = new ArrayList<>(n);
        long before = usedAfterGc();
        switch (kind) {
            case "fiber" -> {
                Fiber.Body body = v -> {
                    Fibers.sleep(Duration.ofHours(1));
                    return null;
                };
                Hub hub = Hub.current();
                for (int i = 0; i < n; i++) {
                    Fiber f = new Fiber(null, body, null);
                    // started from a hub callback: its switch returns when the fiber parks in sleep
                    // (from the root, the root would wait with them: nothing switches back to it)
                    hub.callSoon(f::switchTo);
                    keep.add(f);
                }
                Fibers.sleep(Duration.ZERO); // one pass runs the callbacks
            }
            case "task" -> {
                for (int i = 0; i < n; i++) {
                    keep.add(Fibers.spawn(() -> Fibers.sleep(Duration.ofHours(1))));
                }
                Fibers.sleep(Duration.ZERO); // one pass: every task starts and parks
            }
            case "vthread" -> {
                CountDownLatch parked = new CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    keep.add(Thread.ofVirtual().start(() -> {
                        parked.countDown();
                        try {
                            Thread.sleep(Duration.ofHours(1));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                parked.await();
                Thread.sleep(500); // the last ones reach their sleep
            }
            default -> throw new IllegalArgumentException("kind: fiber, task or vthread");
        }
        long after = usedAfterGc();
        System.out.printf("%s %d %d%n", kind, n, (after - before) / n);
        if (args.length > 2 && args[2].equals("--histogram")) {
            // what the bytes are: the live-object histogram, top entries (for the report's analysis)
            String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            h.lines().limit(16).forEach(System.out::println);
        }
        System.out.flush();
        if (keep.size() != n) {
            throw new AssertionError();
        }
        Runtime.getRuntime().halt(0); // a million sleepers: do not wait for them
    }

    static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
