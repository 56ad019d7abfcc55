package io.loomlet.legacyit.programs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: a HikariCP pool of 20 connections shared by 200 threads, each running a slow query.
 * Usage: PgHikariPool JDBC_URL
 */
public class PgHikariPool {
    static final int THREADS = 200;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(20);
        config.setConnectionTimeout(20_000);
        config.setPoolName("legacy-pool");
        AtomicInteger correct = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                final int n = i;
                Thread t = new Thread(() -> {
                    try (Connection c = pool.getConnection();
                         PreparedStatement ps = c.prepareStatement("select pg_sleep(0.05), ?::int")) {
                        ps.setInt(1, n);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next() && rs.getInt(2) == n) correct.incrementAndGet();
                        }
                    } catch (Exception e) {
                        synchronized (errors) { errors.add(e.toString()); }
                    }
                }, "worker-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) t.join(30_000);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = correct.get() == THREADS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + THREADS
                + " queries correct through a pool of 20"
                + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
