package io.loomlet.jmh;

/**
 * The virtual-thread side of the batch benchmarks, as a virtual-thread program does it (#10 item 2):
 * from a virtual thread, start {@code n} virtual threads running {@code body}, then join them all.
 * The benchmark's platform thread starts and joins only that one outer thread.
 */
final class VirtualBatch {
    private VirtualBatch() {
    }

    static void startAllJoinAll(int n, Runnable body) throws InterruptedException {
        Thread.ofVirtual().start(() -> {
            Thread[] ts = new Thread[n];
            for (int i = 0; i < n; i++) {
                ts[i] = Thread.ofVirtual().start(body);
            }
            try {
                for (Thread t : ts) {
                    t.join();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).join();
    }
}
