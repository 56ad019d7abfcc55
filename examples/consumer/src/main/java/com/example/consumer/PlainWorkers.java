package com.example.consumer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain blocking Java with no Loomlet import: 200 threads that each sleep 300 ms. Run it under the
 * monkey patch ({@code java -javaagent:loomlet-agent.jar=all,thread -cp target/classes
 * com.example.consumer.PlainWorkers}) and its threads are virtual threads of one Loomlet hub.
 */
public final class PlainWorkers {
    private PlainWorkers() {}

    /**
     * Starts the workers, waits for them and prints what they ran on.
     *
     * @param args not used
     * @throws InterruptedException if interrupted while waiting
     */
    public static void main(String[] args) throws InterruptedException {
        int n = 200;
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger virtual = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                if (Thread.currentThread().isVirtual()) {
                    virtual.incrementAndGet();
                }
                done.countDown();
            }, "worker-" + i);
            t.start();
            threads.add(t);
        }
        done.await();
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("%d workers done in %d ms; %d of them virtual threads; main virtual: %b%n", n,
                (System.nanoTime() - start) / 1_000_000, virtual.get(), Thread.currentThread().isVirtual());
    }
}
