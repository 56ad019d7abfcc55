package io.loomlet.legacyit.programs;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: one {@code java.net.http.HttpClient} whose blocking {@code send} is called from 200
 * threads, against a local JDK HttpServer whose handler takes 20 ms.
 */
public class JdkHttpClientSend {
    static final int THREADS = 200;

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

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        AtomicInteger correct = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            final int n = i;
            Thread t = new Thread(() -> {
                try {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(base + n))
                            .timeout(Duration.ofSeconds(20)).build();
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200 && response.body().equals("hello " + n)) {
                        correct.incrementAndGet();
                    }
                } catch (Exception e) {
                    synchronized (errors) { errors.add(e.toString()); }
                }
            }, "sender-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(30_000);
        server.stop(0);
        serverPool.shutdownNow();
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = correct.get() == THREADS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + THREADS
                + " responses correct" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
        // The client's selector thread is a daemon; the program ends here.
    }
}
