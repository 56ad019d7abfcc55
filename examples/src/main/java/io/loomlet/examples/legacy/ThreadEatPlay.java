package io.loomlet.examples.legacy;

/**
 * Seed 003's gevent eat/play, written as plain Java with threads and Thread.sleep, and no Loomlet in
 * sight: the monkey-patched twin of
 *
 * <pre>
 * from gevent import monkey; monkey.patch_all()
 * def eat(name): print('%s eat food first' %name); time.sleep(5); print('%s eat food second' % name)
 * def play(name): print('%s play phone 1' %name); time.sleep(6); print('%s play phone 2' %name)
 * g1=gevent.spawn(eat,'egon'); g2=gevent.spawn(play,name='egon'); g1.join(); g2.join(); print('主')
 * </pre>
 *
 * Run patched with threads ({@code ./loomlet patched ThreadEatPlay}): both threads are virtual
 * threads of one hub, sharing one platform thread, and it still takes about 6 s, not 11. An optional argument scales the seconds.
 */
public final class ThreadEatPlay {
    public static void main(String[] args) throws InterruptedException {
        double second = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        long start = System.nanoTime();
        Thread g1 = new Thread(() -> {
            System.out.println("egon eat food first on " + Thread.currentThread().getName() + " virtual="
                    + Thread.currentThread().isVirtual());
            sleepSeconds(5 * second);
            System.out.println("egon eat food second");
        }, "eat");
        Thread g2 = new Thread(() -> {
            System.out.println("egon play phone 1 on " + Thread.currentThread().getName() + " virtual="
                    + Thread.currentThread().isVirtual());
            sleepSeconds(6 * second);
            System.out.println("egon play phone 2");
        }, "play");
        g1.start();
        g2.start();
        g1.join();
        g2.join();
        System.out.println("主");
        System.out.printf("took %.2f s (the sleeps add up to %.2f s)%n", (System.nanoTime() - start) / 1e9, 11 * second);
    }

    static void sleepSeconds(double s) {
        try {
            Thread.sleep((long) (s * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
