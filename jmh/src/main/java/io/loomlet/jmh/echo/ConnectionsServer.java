package io.loomlet.jmh.echo;

import io.loomlet.Fiber;
import io.loomlet.Hub;
import io.loomlet.net.StreamServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * The server side of {@link ConnectionsHarness}: the seeds' upper-casing echo ({@link EchoServers#talk},
 * a 1024-byte buffer per connection; or, with {@code -Dconnections.handler=recv}, gevent's form of it,
 * {@link EchoServers#talkRecv}, which holds no buffer while it waits) as a {@link StreamServer} on ONE hub, the main thread's, listening
 * on 127.0.0.1. Prints "listening on port P", then answers commands on stdin, one line each, from a
 * control thread (the hub's thread only serves the connections):
 * <ul>
 *   <li>{@code measure}: four {@code System.gc()}s, then one line {@code measure heapUsed=B
 *       heapCommitted=B rss=B fds=N active=N accepted=N handlerErrors=N} (heap from the MemoryMXBean,
 *       VmRSS from {@code /proc/self/status}, open descriptors from {@code /proc/self/fd});</li>
 *   <li>{@code count}: the same without the GCs and the heap ({@code count fds=N active=N ...}), cheap;</li>
 *   <li>{@code histogram K}: the top K lines (0: all) of the live-object class histogram (what
 *       {@code jcmd PID GC.class_histogram} prints; it runs a full GC), then a line {@code end};</li>
 *   <li>{@code stacks}: what the parked fibers' frozen stacks hold, one line {@code stacks fibers=N
 *       chunks=C words=W live=L shapes=...} (totals over the hub's live fibers: stack chunks, the
 *       words they were allocated with, the words of frames in them; then the commonest chunk chains,
 *       top first, as {@code live/allocated+...xcount}). Needs
 *       {@code --add-opens=java.base/jdk.internal.vm=ALL-UNNAMED}; read racily from this thread,
 *       which is harmless while the connections are idle;</li>
 *   <li>{@code quit}, or the end of stdin: exits.</li>
 * </ul>
 * It also exits by itself after {@code maxSeconds} (first argument, default 900): it never outlives
 * a harness that died.
 */
public final class ConnectionsServer {
    private static final AtomicLong handlerErrors = new AtomicLong();
    private static volatile Hub hub;

    public static void main(String[] args) throws Exception {
        long maxSeconds = args.length > 0 ? Long.parseLong(args[0]) : 900;
        String kind = System.getProperty("connections.handler", "talk");
        StreamServer.Handler handler = switch (kind) {
            case "talk" -> EchoServers::talk;
            case "recv" -> EchoServers::talkRecv;
            default -> throw new IllegalArgumentException("connections.handler: talk or recv, not " + kind);
        };
        StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), handler)
                .backlog(4096)
                .setErrorHandler((what, t) -> {
                    handlerErrors.incrementAndGet();
                    System.err.println("server: " + what + (t == null ? "" : ": " + t));
                })
                .start();
        Thread control = new Thread(() -> control(server), "control");
        control.setDaemon(true);
        control.start();
        Thread limit = new Thread(() -> {
            try {
                Thread.sleep(maxSeconds * 1000);
                System.err.println("server: " + maxSeconds + " s are up, exiting");
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(3);
        }, "time-limit");
        limit.setDaemon(true);
        limit.start();
        hub = Hub.current();
        EchoServers.ready(server.address().getPort());
        server.serveForever(); // the main thread is the hub's; it serves until the process ends
    }

    private static void control(StreamServer server) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "measure" -> {
                        fullGc();
                        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                        reply("measure heapUsed=" + heap.getUsed() + " heapCommitted=" + heap.getCommitted() + " "
                                + counts(server));
                    }
                    case "count" -> reply("count " + counts(server));
                    case "histogram" -> {
                        String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                                new Object[] {new String[0]}, new String[] {String[].class.getName()});
                        int k = w.length > 1 ? Integer.parseInt(w[1]) : 0;
                        h.lines().limit(k > 0 ? k : Long.MAX_VALUE).forEach(System.out::println);
                        reply("end");
                    }
                    case "stacks" -> {
                        String st;
                        try {
                            st = stacks();
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            // a JDK that renamed a field, or no --add-opens: say so, and go on serving
                            st = "error=" + String.valueOf(e).replace(' ', '_');
                        }
                        reply("stacks " + st);
                    }
                    case "quit" -> {
                        reply("bye");
                        Runtime.getRuntime().halt(0);
                    }
                    default -> reply("unknown command: " + line);
                }
            }
        } catch (Exception e) {
            System.err.println("server: control: " + e);
        }
        Runtime.getRuntime().halt(0); // stdin closed: the harness is gone
    }

    private static String counts(StreamServer server) throws IOException {
        return "rss=" + rssBytes() + " fds=" + openDescriptors() + " active=" + server.activeConnections() + " accepted="
                + server.acceptedCount() + " handlerErrors=" + handlerErrors.get();
    }

    /** See the class comment: a diagnostic, through reflection on Loomlet's and the JDK's internals. */
    private static String stacks() throws ReflectiveOperationException {
        Field fibers = Hub.class.getDeclaredField("fibers");
        fibers.setAccessible(true);
        Object list = fibers.get(hub);
        Method snapshot = list.getClass().getDeclaredMethod("racySnapshot");
        snapshot.setAccessible(true);
        Field cont = Fiber.class.getDeclaredField("cont");
        Field tail = Class.forName("jdk.internal.vm.Continuation").getDeclaredField("tail");
        Class<?> chunk = Class.forName("jdk.internal.vm.StackChunk");
        Field size = chunk.getDeclaredField("size");
        Field sp = chunk.getDeclaredField("sp");
        Field bottom = chunk.getDeclaredField("bottom");
        Field parent = chunk.getDeclaredField("parent");
        for (Field f : List.of(cont, tail, size, sp, bottom, parent)) {
            f.setAccessible(true);
        }
        long n = 0;
        long chunks = 0;
        long words = 0;
        long live = 0;
        Map<String, Integer> shapes = new HashMap<>();
        for (Object o : (List<?>) snapshot.invoke(list)) {
            Object c = cont.get(o); // a user fiber's: never null
            n++;
            StringBuilder shape = new StringBuilder();
            for (Object k = tail.get(c); k != null; k = parent.get(k)) {
                int allocated = (int) size.get(k);
                int used = (int) bottom.get(k) - (int) sp.get(k);
                chunks++;
                words += allocated;
                live += used;
                shape.append(shape.isEmpty() ? "" : "+").append(used).append('/').append(allocated);
            }
            shapes.merge(shape.toString(), 1, Integer::sum);
        }
        StringBuilder top = new StringBuilder();
        shapes.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(4)
                .forEach(e -> top.append(top.isEmpty() ? "" : ",").append(e.getKey()).append('x').append(e.getValue()));
        return "fibers=" + n + " chunks=" + chunks + " words=" + words + " live=" + live + " shapes=" + top;
    }

    private static void reply(String s) {
        System.out.println(s);
        System.out.flush();
    }

    private static void fullGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    /** VmRSS of this process, in bytes. */
    static long rssBytes() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** Descriptors this process has open ({@code /proc/self/fd}; the listing's own one included). */
    static long openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
