package io.loomlet.legacyit.programs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Legacy program: 4 producers and 4 consumers on a bounded {@code ArrayBlockingQueue} of 16; each
 * consumer sleeps 1 ms per 50 items (a slow sink), so producers block on {@code put}.
 */
public class BoundedQueuePipeline {
    static final int PRODUCERS = 4;
    static final int CONSUMERS = 4;
    static final int ITEMS = 2_000;
    static final Integer POISON = -1;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        BlockingQueue<Integer> queue = new ArrayBlockingQueue<>(16);
        AtomicLong sum = new AtomicLong();
        AtomicLong count = new AtomicLong();
        List<Thread> producers = new ArrayList<>();
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Integer item = queue.take();
                        if (item.equals(POISON)) return;
                        sum.addAndGet(item);
                        if (count.incrementAndGet() % 50 == 0) Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "consumer-" + c);
            consumers.add(t);
            t.start();
        }
        for (int p = 0; p < PRODUCERS; p++) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 1; i <= ITEMS; i++) queue.put(i);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "producer-" + p);
            producers.add(t);
            t.start();
        }
        for (Thread t : producers) t.join(30_000);
        for (int c = 0; c < CONSUMERS; c++) queue.put(POISON);
        for (Thread t : consumers) t.join(30_000);
        long expected = (long) PRODUCERS * ITEMS * (ITEMS + 1) / 2;
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = sum.get() == expected && count.get() == (long) PRODUCERS * ITEMS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " consumed " + count.get() + " items, sum "
                + sum.get() + " (expected " + expected + ")");
        System.out.println("WALL_MS " + ms);
    }
}
