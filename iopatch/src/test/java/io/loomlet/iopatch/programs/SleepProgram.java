package io.loomlet.iopatch.programs;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Forked by PatchTest under the agent: every sleep overload from fibers, and a real thread's sleep. */
public final class SleepProgram {
    public static void main(String[] args) throws Exception {
        List<String> ticks = new ArrayList<>();
        long start = System.nanoTime();
        List<Task<Void>> sleepers = List.of(
                Fibers.spawn(() -> Thread.sleep(200)),
                Fibers.spawn(() -> Thread.sleep(200, 500)),
                Fibers.spawn(() -> Thread.sleep(Duration.ofMillis(200))),
                Fibers.spawn(() -> TimeUnit.MILLISECONDS.sleep(200)),
                Fibers.spawn(() -> {
                    for (int i = 0; i < 200; i++) {
                        Thread.onSpinWait(); // a cooperative yield when patched
                        Thread.yield();
                    }
                }));
        Task<Void> ticker = Fibers.spawn(() -> {
            for (int i = 0; i < 5; i++) {
                ticks.add("tick");
                Fibers.sleep(20);
            }
        });
        Fibers.joinAll(new ArrayList<>(sleepers), null, true);
        ticker.join();
        System.out.printf("SLEEPS %d ms TICKS %d%n", (System.nanoTime() - start) / 1_000_000, ticks.size());

        // a real thread with no fibers sleeps for real, and can be interrupted
        Thread real = new Thread(() -> {
            try {
                Thread.sleep(10_000);
                System.out.println("REAL not interrupted");
            } catch (InterruptedException e) {
                System.out.println("REAL interrupted on " + Thread.currentThread().getName());
            }
        }, "real-thread");
        real.start();
        Thread.sleep(50); // the root has no fibers left: a plain sleep
        real.interrupt();
        real.join();
    }
}
