package io.loomlet.legacyit.programs;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Legacy program: 100 workers each do 50 ms of "work" (sleep) and count down a latch main awaits. */
public class CountDownLatchWorkers {
    static final int WORKERS = 100;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        CountDownLatch startGate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(WORKERS);
        AtomicInteger work = new AtomicInteger();
        for (int i = 0; i < WORKERS; i++) {
            new Thread(() -> {
                try {
                    startGate.await();
                    Thread.sleep(50);
                    work.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "worker-" + i).start();
        }
        startGate.countDown();
        boolean finished = done.await(30, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = finished && work.get() == WORKERS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + work.get() + "/" + WORKERS
                + " workers counted down" + (finished ? "" : " (await timed out)"));
        System.out.println("WALL_MS " + ms);
    }
}
