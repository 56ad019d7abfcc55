package io.loomlet.examples.legacy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread-per-connection blocking echo server — ServerSocket, accept, a new Thread per client,
 * blocking reads and writes — that upper-cases like the seed's. Plain Java, no Loomlet.
 *
 * <p>Unmodified, it runs a thread per client. Through the launcher with the thread patch
 * ({@code ./loomlet patched LegacyEchoServer 8080}), every client's thread is a virtual thread of
 * the hub and one platform thread serves them all, the 500-client demo included. {@code --exit-after N} ends it after N clients have come
 * and gone, printing the threads that served them.
 */
public final class LegacyEchoServer {
    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        int exitAfter = args.length > 2 && args[1].equals("--exit-after") ? Integer.parseInt(args[2]) : -1;
        Set<String> threads = new TreeSet<>();
        AtomicInteger done = new AtomicInteger();
        try (ServerSocket ss = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress())) {
            System.out.println("legacy echo server listening on port " + ss.getLocalPort());
            System.out.flush();
            while (true) {
                Socket client = ss.accept();
                Thread t = new Thread(() -> {
                    synchronized (threads) {
                        threads.add(Thread.currentThread().getName());
                    }
                    talk(client);
                    if (done.incrementAndGet() == exitAfter) {
                        synchronized (threads) {
                            System.out.println("served " + exitAfter + " clients on " + threads.size() + " threads; "
                                    + "platform threads at peak: "
                                    + java.lang.management.ManagementFactory.getThreadMXBean().getPeakThreadCount());
                        }
                        System.exit(0);
                    }
                });
                t.start();
            }
        }
    }

    static void talk(Socket conn) {
        try (conn; InputStream in = conn.getInputStream(); OutputStream out = conn.getOutputStream()) {
            byte[] buf = new byte[1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] >= 'a' && buf[i] <= 'z') {
                        buf[i] -= 32;
                    }
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
