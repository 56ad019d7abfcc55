package io.loomlet.sync;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.internal.ProcessFence;

/**
 * Forked by {@link BiasTest}: says whether the primitives are biased in this JVM and why not, then
 * uses a semaphore, a lock and an event from a hub and from a second thread, and prints what it
 * saw.
 */
public final class BiasMain {
    private BiasMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("enabled " + Biased.ENABLED + ", why not: " + ProcessFence.WHY_NOT);
        Semaphore s = new Semaphore(2);
        Lock lock = new Lock();
        Event e = new Event();
        Fibers.spawn(() -> {
            s.acquire();
            lock.acquire();
            lock.release();
            e.set();
        }).join();
        System.out.println("after the hub: " + s.biasState() + ", permits " + s.availablePermits());
        int[] seen = new int[1];
        Thread t = new Thread(() -> {
            seen[0] = s.availablePermits() + (s.tryAcquire() ? 10 : 0) + (s.tryAcquire() ? 100 : 0) + (e.isSet() ? 1000 : 0);
            lock.acquire();
            lock.release();
        });
        t.start();
        t.join();
        System.out.println("the other thread saw " + seen[0] + "; now " + s.biasState());
        Hub.current().close();
    }
}
