package io.loomlet.examples;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.util.ArrayList;
import java.util.List;

/**
 * The main demo, run by {@code ./loomlet demo}. Until the sockets issue lands the 500-client echo
 * stress demo, it runs the seeds' greenlet and gevent programs and then shows scale: 100,000
 * fibers sleeping one second each, all at once, on one thread.
 */
public final class Demo {
    public static void main(String[] args) {
        banner("greenlet: two stacks switched by hand (seed 002) — prints 1 3 2 4");
        GreenletSwitch.main(new String[0]);
        banner("greenlet: the first switch passes the name (seed 003)");
        GreenletEatPlay.main(new String[0]);
        banner("gevent: eat sleeps 5 s, play sleeps 6 s, together (seed 003)");
        GeventEatPlay.main(new String[0]);
        banner("scale: 100,000 fibers each sleeping 1 s, on thread " + Thread.currentThread().getName());
        long start = System.nanoTime();
        List<Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            tasks.add(Fibers.spawn(() -> Fibers.sleep(1000)));
        }
        Fibers.joinAll(tasks);
        System.out.printf("100000 sleeps of 1 s finished in %.2f s on one thread%n", (System.nanoTime() - start) / 1e9);
    }

    private static void banner(String s) {
        System.out.println();
        System.out.println("== " + s);
    }
}
