package io.loomlet.examples;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.time.Duration;

/**
 * Seed 003's gevent program, with the cooperative sleep (gevent.sleep's twin):
 *
 * <pre>
 * def eat(name):
 *     print('%s eat food first' %name); gevent.sleep(5); print('%s eat food second' % name)
 * def play(name):
 *     print('%s play phone 1' %name); gevent.sleep(6); print('%s play phone 2' %name)
 * g1=gevent.spawn(eat,'egon'); g2=gevent.spawn(play,name='egon')
 * g1.join(); g2.join(); print('主')
 * </pre>
 *
 * Both sleep at once on one thread, so it ends after about 6 s, not 11. An optional argument
 * scales the seconds (e.g. {@code 0.1} for a 0.6 s run).
 */
public final class GeventEatPlay {
    public static void main(String[] args) {
        double second = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        long start = System.nanoTime();
        Task<Void> g1 = Fibers.spawn(() -> eat("egon", second));
        Task<Void> g2 = Fibers.spawn(() -> play("egon", second));
        g1.join();
        g2.join();
        System.out.println("主");
        System.out.printf("took %.2f s (the sleeps add up to %.2f s)%n", (System.nanoTime() - start) / 1e9, 11 * second);
    }

    static void eat(String name, double second) {
        System.out.println(name + " eat food first");
        Fibers.sleep(Duration.ofNanos((long) (5 * second * 1e9)));
        System.out.println(name + " eat food second");
    }

    static void play(String name, double second) {
        System.out.println(name + " play phone 1");
        Fibers.sleep(Duration.ofNanos((long) (6 * second * 1e9)));
        System.out.println(name + " play phone 2");
    }
}
