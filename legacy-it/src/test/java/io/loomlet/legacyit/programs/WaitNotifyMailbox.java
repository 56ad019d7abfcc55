package io.loomlet.legacyit.programs;

import java.util.ArrayList;
import java.util.List;

/**
 * Legacy program: hand-written {@code wait}/{@code notify} code. A one-slot mailbox passed back and forth
 * 2000 times between a pinger and a ponger, and a gate that 50 threads wait on until main opens it.
 */
public class WaitNotifyMailbox {
    static final int ROUNDS = 2_000;
    static final int WAITERS = 50;

    static class Mailbox {
        private Integer slot;

        synchronized void put(int v) throws InterruptedException {
            while (slot != null) wait();
            slot = v;
            notifyAll();
        }

        synchronized int take() throws InterruptedException {
            while (slot == null) wait();
            int v = slot;
            slot = null;
            notifyAll();
            return v;
        }
    }

    static class Gate {
        private boolean open;
        private int passed;

        synchronized void await() throws InterruptedException {
            while (!open) wait();
            passed++;
        }

        synchronized void open() {
            open = true;
            notifyAll();
        }

        synchronized int passed() {
            return passed;
        }
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Mailbox ping = new Mailbox();
        Mailbox pong = new Mailbox();
        long[] lastSeen = new long[1];
        Thread pinger = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    ping.put(i);
                    lastSeen[0] = pong.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pinger");
        Thread ponger = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) pong.put(ping.take() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ponger");
        Gate gate = new Gate();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            Thread t = new Thread(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "waiter-" + i);
            waiters.add(t);
            t.start();
        }
        pinger.start();
        ponger.start();
        Thread.sleep(100);
        gate.open();
        pinger.join(30_000);
        ponger.join(30_000);
        for (Thread t : waiters) t.join(30_000);
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = lastSeen[0] == ROUNDS && gate.passed() == WAITERS;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " ping-pong reached " + lastSeen[0] + "/"
                + ROUNDS + ", " + gate.passed() + "/" + WAITERS + " waiters passed the gate");
        System.out.println("WALL_MS " + ms);
    }
}
