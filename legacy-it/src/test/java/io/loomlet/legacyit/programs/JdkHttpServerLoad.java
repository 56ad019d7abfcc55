package io.loomlet.legacyit.programs;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: the JDK's {@code com.sun.net.httpserver.HttpServer} on
 * {@code Executors.newCachedThreadPool()}, with a handler that blocks 50 ms, loaded by 200 concurrent
 * client threads (HttpURLConnection).
 */
public class JdkHttpServerLoad {
    static final int CLIENTS = 200;
    static final int REQUESTS = 2;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        ExecutorService pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("hello " + exchange.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/?";

        AtomicInteger correct = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            final int n = i;
            Thread t = new Thread(() -> {
                for (int r = 0; r < REQUESTS; r++) {
                    String q = n + "-" + r;
                    try {
                        HttpURLConnection c = (HttpURLConnection) URI.create(base + q).toURL().openConnection();
                        c.setConnectTimeout(10_000);
                        c.setReadTimeout(20_000);
                        try (InputStream in = c.getInputStream()) {
                            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                            if (c.getResponseCode() == 200 && body.equals("hello " + q)) correct.incrementAndGet();
                        }
                    } catch (Exception e) {
                        synchronized (errors) { errors.add(e.toString()); }
                    }
                }
            }, "client-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(30_000);
        server.stop(0);
        pool.shutdownNow();
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = CLIENTS * REQUESTS;
        boolean ok = correct.get() == total;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + total
                + " responses correct" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
