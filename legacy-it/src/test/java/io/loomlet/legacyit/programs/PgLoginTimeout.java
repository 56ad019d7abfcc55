package io.loomlet.legacyit.programs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: connections opened with pgjdbc's {@code loginTimeout} (the driver then connects in a
 * helper thread and waits for it with a timeout). 20 threads connect to the real server and query; 5
 * threads connect to a "server" that accepts TCP but never answers, and must give up after the timeout.
 * Usage: PgLoginTimeout JDBC_URL
 */
public class PgLoginTimeout {
    static final int GOOD = 20;
    static final int STALLED = 5;

    public static void main(String[] args) throws Exception {
        String url = args[0] + (args[0].contains("?") ? "&" : "?") + "loginTimeout=2";
        long start = System.nanoTime();

        // A server that accepts connections and never says a word.
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = silent.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                }
            } catch (IOException closed) {
                // done
            }
        }, "silent-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        String stalledUrl = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort()
                + "/postgres?user=nobody&loginTimeout=1";

        AtomicInteger connected = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            final int n = i;
            threads.add(new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url);
                     PreparedStatement ps = c.prepareStatement("select pg_sleep(0.02), ?::int")) {
                    ps.setInt(1, n);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getInt(2) == n) connected.incrementAndGet();
                    }
                } catch (Exception e) {
                    synchronized (errors) { errors.add(e.toString()); }
                }
            }, "good-" + i));
        }
        long[] stalledMs = new long[STALLED];
        for (int i = 0; i < STALLED; i++) {
            final int n = i;
            threads.add(new Thread(() -> {
                long t0 = System.nanoTime();
                try (Connection c = DriverManager.getConnection(stalledUrl)) {
                    synchronized (errors) { errors.add("connected to a silent server?"); }
                } catch (SQLException e) {
                    stalledMs[n] = (System.nanoTime() - t0) / 1_000_000;
                    timedOut.incrementAndGet();
                }
            }, "stalled-" + i));
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join(30_000);
        silent.close();
        synchronized (accepted) {
            for (Socket s : accepted) s.close();
        }

        long maxStalled = 0;
        for (long m : stalledMs) maxStalled = Math.max(maxStalled, m);
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = connected.get() == GOOD && timedOut.get() == STALLED && maxStalled < 5_000
                && errors.isEmpty();
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + connected.get() + "/" + GOOD
                + " connected, " + timedOut.get() + "/" + STALLED + " stalled logins timed out (max "
                + maxStalled + " ms)" + (errors.isEmpty() ? "" : ", first error: " + errors.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
