package io.loomlet.jmh;

import io.loomlet.Fiber;
import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * Heap bytes per parked sleeper, at 1,000,000, measured in a fresh JVM per kind (the report script
 * runs each with the same flags): {@code fiber} (a plain Fiber parked in sleep), {@code task} (a
 * spawned Task: Fiber plus its outcome), {@code vthread} (a virtual thread in Thread.sleep). Used heap
 * after full GCs, before and after, divided by the count. Prints one line: "kind count bytesEach";
 * with {@code --histogram} also the top of the live-object histogram, to see what the bytes are.
 *
 * <p>With {@code --warm}, 200,000 sleepers of the same kind first sleep 1 ms and end, so the JIT has
 * compiled the path before the measured ones park (a server's steady state). Without it, the first
 * tens of thousands park in interpreted or C1-compiled frames, which stay in their frozen stacks:
 * about 30 B per sleeper on average at 1,000,000 (issue #10), varying with how soon the JIT gets to it.
 *
 * <p>With {@code --chunks} (fiber and task; needs {@code --add-opens=java.base/jdk.internal.vm=ALL-UNNAMED})
 * also how many words each sleeper's frozen stack holds ({@code StackChunk.size}), counted by size:
 * the JIT's steady-state frames are the commonest size, the rest parked before it compiled the path.
 */
public final class MemoryHarness {
    /** How long the sleepers sleep: an hour, or 1 ms for the warm-up ones. */
    private static Duration sleepFor = Duration.ofHours(1);

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        List<String> flags = List.of(args).subList(Math.min(2, args.length), args.length);
        if (flags.contains("--warm")) {
            sleepFor = Duration.ofMillis(1);
            park(kind, 200_000, new ArrayList<>());
            if (!kind.equals("vthread")) {
                Fibers.sleep(Duration.ofMillis(200)); // the root runs the hub until they have ended
            } else {
                Thread.sleep(500);
            }
            sleepFor = Duration.ofHours(1);
        }
        List<Object> keep = new ArrayList<>(n);
        long before = usedAfterGc();
        park(kind, n, keep);
        long after = usedAfterGc();
        System.out.printf("%s %d %d%n", kind, n, (after - before) / n);
        if (flags.contains("--histogram")) {
            // what the bytes are: the live-object histogram, top entries (for the report's analysis)
            String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            h.lines().limit(16).forEach(System.out::println);
        }
        if (flags.contains("--chunks")) {
            printChunkSizes(keep);
        }
        System.out.flush();
        if (keep.size() != n) {
            throw new AssertionError();
        }
        Runtime.getRuntime().halt(0); // a million sleepers: do not wait for them
    }

    /** Starts {@code n} sleepers of {@code kind} and returns once they all sleep. */
    private static void park(String kind, int n, List<Object> keep) throws InterruptedException {
        switch (kind) {
            case "fiber" -> {
                Fiber.Body body = v -> {
                    Fibers.sleep(sleepFor);
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
                    keep.add(Fibers.spawn(() -> Fibers.sleep(sleepFor)));
                }
                Fibers.sleep(Duration.ZERO); // one pass: every task starts and parks
            }
            case "vthread" -> {
                CountDownLatch parked = new CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    keep.add(Thread.ofVirtual().start(() -> {
                        parked.countDown();
                        try {
                            Thread.sleep(sleepFor);
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
    }

    /** Counts the sleepers' frozen stacks by size in words (see the class comment). */
    private static void printChunkSizes(List<Object> keep) throws ReflectiveOperationException {
        Field cont = Fiber.class.getDeclaredField("cont");
        Field fiber = Task.class.getDeclaredField("fiber");
        Class<?> continuation = Class.forName("jdk.internal.vm.Continuation");
        Field tail = continuation.getDeclaredField("tail");
        Field size = Class.forName("jdk.internal.vm.StackChunk").getDeclaredField("size");
        for (Field f : List.of(cont, fiber, tail, size)) {
            f.setAccessible(true);
        }
        Map<Integer, Integer> bySize = new TreeMap<>();
        for (Object o : keep) {
            Object f = o instanceof Task<?> t ? fiber.get(t) : o;
            Object chunk = tail.get(cont.get(f));
            bySize.merge((int) size.get(chunk), 1, Integer::sum);
        }
        System.out.println("frozen stack words: count " + bySize);
    }

    static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
