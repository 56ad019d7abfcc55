package io.loomlet.legacyit.programs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: workers blocked in {@code Thread.sleep}, {@code BlockingQueue.take} and
 * {@code Object.wait} are stopped by {@code interrupt()}, the usual shutdown of a worker pool.
 */
public class InterruptWorkers {
    static final int EACH = 20;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Object monitor = new Object();
        AtomicInteger interrupted = new AtomicInteger();
        AtomicInteger wrongWake = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            workers.add(new Thread(() -> {
                try {
                    Thread.sleep(60_000);
                    wrongWake.incrementAndGet();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            }, "sleeper-" + i));
            workers.add(new Thread(() -> {
                try {
                    queue.take();
                    wrongWake.incrementAndGet();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            }, "taker-" + i));
            workers.add(new Thread(() -> {
                try {
                    synchronized (monitor) {
                        monitor.wait(60_000);
                    }
                    wrongWake.incrementAndGet();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            }, "waiter-" + i));
        }
        for (Thread t : workers) t.start();
        Thread.sleep(200);
        long stopAt = System.nanoTime();
        for (Thread t : workers) t.interrupt();
        boolean allEnded = true;
        for (Thread t : workers) {
            t.join(10_000);
            allEnded &= !t.isAlive();
        }
        long stopMs = (System.nanoTime() - stopAt) / 1_000_000;
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = 3 * EACH;
        boolean ok = allEnded && interrupted.get() == total && wrongWake.get() == 0 && stopMs < 5_000;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + interrupted.get() + "/" + total
                + " workers interrupted, stopped in " + stopMs + " ms" + (allEnded ? "" : ", some still alive"));
        System.out.println("WALL_MS " + ms);
        if (!allEnded) System.exit(1);
    }
}
