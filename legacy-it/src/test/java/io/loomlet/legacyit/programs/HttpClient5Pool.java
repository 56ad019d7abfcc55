package io.loomlet.legacyit.programs;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Legacy program: Apache HttpClient 5 (classic API, default pool: 5 connections per route) shared by
 * 100 threads, against a local JDK HttpServer whose handler takes 20 ms.
 */
public class HttpClient5Pool {
    static final int THREADS = 100;
    static final int REQUESTS = 2;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        ExecutorService serverPool = Executors.newCachedThreadPool();
        server.setExecutor(serverPool);
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(20);
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
        try (CloseableHttpClient client = HttpClients.createDefault()) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                final int n = i;
                Thread t = new Thread(() -> {
                    for (int r = 0; r < REQUESTS; r++) {
                        String q = n + "-" + r;
                        try {
                            String body = client.execute(new HttpGet(base + q),
                                    response -> EntityUtils.toString(response.getEntity()));
                            if (body.equals("hello " + q)) correct.incrementAndGet();
                        } catch (Exception e) {
                            synchronized (errors) { errors.add(e.toString()); }
                        }
                    }
                }, "client-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) t.join(30_000);
        }
        server.stop(0);
        serverPool.shutdownNow();
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = THREADS * REQUESTS;
        boolean ok = correct.get() == total;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + total
                + " responses correct" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
