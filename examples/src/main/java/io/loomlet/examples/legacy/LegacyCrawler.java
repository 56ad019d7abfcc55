package io.loomlet.examples.legacy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;

/**
 * Seed 002/003's crawler — {@code gevent.spawn(get_page, url)} per page, then joinall — as plain
 * Java: a Thread per page, each fetching with HttpURLConnection. Unmodified, it needs a thread per
 * page; run patched ({@code ./loomlet patched LegacyCrawler}), every fetch's thread is a virtual
 * thread of one hub, and N pages still take about one server latency, not N.
 *
 * <p>It serves its own pages from a local HTTP server that answers after a delay, so it needs no
 * network: {@code LegacyCrawler [pages=10] [latencyMs=300]}.
 */
public final class LegacyCrawler {
    public static void main(String[] args) throws Exception {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long latency = args.length > 1 ? Long.parseLong(args[1]) : 300;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(Math.max(4, pages)));
        server.createContext("/", ex -> {
            try {
                Thread.sleep(latency); // the slow remote site
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("<html>page " + ex.getRequestURI().getPath() + "</html>").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        int port = server.getAddress().getPort();

        Set<String> threads = new TreeSet<>();
        List<String> bodies = new ArrayList<>();
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            String url = "http://127.0.0.1:" + port + "/page/" + i;
            Thread t = new Thread(() -> {
                synchronized (threads) {
                    threads.add(Thread.currentThread().getName());
                }
                String body = getPage(url);
                synchronized (bodies) {
                    bodies.add(body);
                }
            }, "crawler-" + i);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double took = (System.nanoTime() - start) / 1e9;
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        System.out.printf("fetched %d pages in %.2f s (server latency %d ms each)%n", bodies.size(), took, latency);
        System.out.println("fetched on threads: " + threads);
        System.out.println("platform threads at peak: "
                + java.lang.management.ManagementFactory.getThreadMXBean().getPeakThreadCount());
    }

    static String getPage(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(10_000);
            if (c.getResponseCode() != 200) {
                return "HTTP " + c.getResponseCode();
            }
            try (InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return "failed: " + e;
        }
    }
}
