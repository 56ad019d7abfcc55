package io.loomlet.legacyit.programs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: a thread per task, each with its own JDBC connection (pgjdbc) running a slow query.
 * Usage: PgConnectionPerThread JDBC_URL
 */
public class PgConnectionPerThread {
    static final int THREADS = 50;

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long start = System.nanoTime();
        AtomicInteger correct = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            final int n = i;
            Thread t = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url);
                     PreparedStatement ps = c.prepareStatement("select pg_sleep(0.05), ?::int")) {
                    ps.setInt(1, n);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getInt(2) == n) {
                            correct.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    synchronized (errors) {
                        errors.add(e.toString());
                    }
                }
            }, "worker-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = correct.get() == THREADS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + THREADS
                + " queries correct" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
