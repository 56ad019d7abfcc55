package io.loomlet.iopatch.programs;

import io.loomlet.iopatch.internal.JdkSpins;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forked by PatchIT with the thread patch: the JDK's transfer queues between a hub's virtual threads
 * (a SynchronousQueue ping-pong, a LinkedTransferQueue transfer, timed polls that time out, and a
 * cached thread pool, whose idle workers wait in a SynchronousQueue) with the agent's rewrite of
 * {@code LinkedTransferQueue$DualNode.await}: every value arrives, in order, and a ticker thread
 * runs while they wait.
 */
public final class TransferQueueProgram {
    public static void main(String[] args) throws Exception {
        System.out.println("REWRITTEN " + JdkSpins.rewritten());
        AtomicLong ticks = new AtomicLong();
        Thread ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                ticks.incrementAndGet();
                Thread.yield();
            }
        }, "ticker");
        ticker.setDaemon(true);
        ticker.start();

        int n = 20_000;
        SynchronousQueue<Integer> there = new SynchronousQueue<>();
        SynchronousQueue<Integer> back = new SynchronousQueue<>();
        Thread echo = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    back.put(there.take() + 1);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "echo");
        echo.start();
        long sum = 0;
        boolean inOrder = true;
        for (int i = 0; i < n; i++) {
            there.put(i);
            int r = back.take();
            inOrder &= r == i + 1;
            sum += r;
        }
        echo.join();
        System.out.println("SQ " + n + " sum " + sum + " in-order " + inOrder + " virtual " + echo.isVirtual());

        LinkedTransferQueue<String> ltq = new LinkedTransferQueue<>();
        Thread taker = new Thread(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    if (!ltq.take().equals("v" + i)) {
                        throw new IllegalStateException("out of order at " + i);
                    }
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "taker");
        taker.start();
        for (int i = 0; i < 1000; i++) {
            ltq.transfer("v" + i);
        }
        taker.join();
        long t0 = System.nanoTime();
        Integer none = there.poll(50, TimeUnit.MILLISECONDS);
        long waited = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("LTQ 1000 transferred; timed poll " + none + " after " + (waited >= 45 ? "its timeout" : waited + " ms"));

        ExecutorService pool = Executors.newCachedThreadPool();
        long before = ticks.get();
        long total = 0;
        for (int round = 0; round < 50; round++) {
            Future<?>[] fs = new Future<?>[20];
            for (int i = 0; i < fs.length; i++) {
                int k = i;
                fs[i] = pool.submit(() -> k);
            }
            for (Future<?> f : fs) {
                total += (Integer) f.get();
            }
        }
        pool.shutdown();
        System.out.println("POOL total " + total + " terminated " + pool.awaitTermination(10, TimeUnit.SECONDS));
        System.out.println("TICKER ran " + (ticks.get() > before));
        ticker.interrupt();
    }
}
