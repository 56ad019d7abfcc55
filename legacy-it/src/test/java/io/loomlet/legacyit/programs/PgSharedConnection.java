package io.loomlet.legacyit.programs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: one JDBC Connection shared by 40 threads (pgjdbc serialises them on its own lock).
 * Usage: PgSharedConnection JDBC_URL
 */
public class PgSharedConnection {
    static final int THREADS = 40;
    static final int QUERIES = 3;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        AtomicInteger correct = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        try (Connection shared = DriverManager.getConnection(args[0])) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                final int n = i;
                Thread t = new Thread(() -> {
                    for (int q = 0; q < QUERIES; q++) {
                        int expect = n * 100 + q;
                        try (PreparedStatement ps = shared.prepareStatement("select pg_sleep(0.005), ?::int")) {
                            ps.setInt(1, expect);
                            try (ResultSet rs = ps.executeQuery()) {
                                if (rs.next() && rs.getInt(2) == expect) correct.incrementAndGet();
                            }
                        } catch (Exception e) {
                            synchronized (errors) { errors.add(e.toString()); }
                        }
                    }
                }, "worker-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) t.join(30_000);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = THREADS * QUERIES;
        boolean ok = correct.get() == total;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct.get() + "/" + total
                + " queries correct on one shared connection"
                + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
