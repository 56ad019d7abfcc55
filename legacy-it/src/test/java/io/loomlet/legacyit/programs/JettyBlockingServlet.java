package io.loomlet.legacyit.programs;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Legacy program: Jetty 12 (ee10) with a blocking servlet (sleeps 50 ms, as a servlet calling a slow
 * backend would), on Jetty's own thread pool, loaded by 200 concurrent client threads.
 */
public class JettyBlockingServlet {
    static final int CLIENTS = 200;
    static final int REQUESTS = 2;

    public static class SlowServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            resp.setContentType("text/plain");
            resp.getOutputStream().write(("hello " + req.getQueryString()).getBytes(StandardCharsets.UTF_8));
        }
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(256);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new SlowServlet()), "/*");
        server.setHandler(context);
        server.start();
        String base = "http://127.0.0.1:" + connector.getLocalPort() + "/?";

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
        server.stop();
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = CLIENTS * REQUESTS;
        boolean ok = correct.get() == total;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + total
                + " responses correct" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
