package io.loomlet;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * Where the virtual threads of a closed hub go on running: one daemon platform thread, started on
 * first need. The JDK must never be refused when it schedules a virtual thread (a refusal would
 * surface in whoever woke it, even in the JDK's own timer threads), and a hub that closed while some
 * of its virtual threads still lived can no longer run them; rather than strand them (their joiners
 * would hang), they run here, one at a time, as on a carrier of their own.
 */
final class LastResortCarrier {
    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    private static volatile Thread thread;

    private LastResortCarrier() {
    }

    static void execute(Runnable cont) {
        QUEUE.add(cont);
        if (thread == null) {
            start();
        }
    }

    private static synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(LastResortCarrier::loop, "loomlet-last-resort-carrier");
        t.setDaemon(true);
        t.start();
        thread = t;
    }

    private static void loop() {
        for (;;) {
            try {
                QUEUE.take().run();
            } catch (InterruptedException e) {
                // a daemon that nobody should interrupt: keep serving
            } catch (Throwable t) {
                io.loomlet.internal.Errors.printToStderr("a virtual thread of a closed hub failed to run", t);
            }
        }
    }
}
