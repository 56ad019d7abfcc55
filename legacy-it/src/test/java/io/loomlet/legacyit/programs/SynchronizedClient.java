package io.loomlet.legacyit.programs;

import java.util.ArrayList;
import java.util.List;

/**
 * Legacy program: a client object whose {@code synchronized} methods block inside (a 5 ms sleep standing
 * for a request on a connection that cannot be shared), called by 20 threads. The calls must never
 * overlap.
 */
public class SynchronizedClient {
    static final int THREADS = 20;
    static final int CALLS = 5;

    static class LegacyClient {
        private int inside;
        private int maxInside;
        private int calls;

        synchronized String call(String request) throws InterruptedException {
            inside++;
            maxInside = Math.max(maxInside, inside);
            Thread.sleep(5);
            calls++;
            inside--;
            return "reply to " + request;
        }

        synchronized int maxInside() { return maxInside; }

        synchronized int calls() { return calls; }
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        LegacyClient client = new LegacyClient();
        int[] correct = new int[1];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            final int n = i;
            Thread t = new Thread(() -> {
                try {
                    for (int c = 0; c < CALLS; c++) {
                        String request = n + "/" + c;
                        if (client.call(request).equals("reply to " + request)) {
                            synchronized (correct) { correct[0]++; }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "caller-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(30_000);
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = THREADS * CALLS;
        boolean ok = client.calls() == total && correct[0] == total && client.maxInside() == 1;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + correct[0] + "/" + total
                + " calls correct, at most " + client.maxInside() + " inside at once");
        System.out.println("WALL_MS " + ms);
    }
}
