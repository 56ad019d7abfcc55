package io.loomlet.iopatch.programs;

/**
 * Forked by PatchTest with the thread patch: Thread and a Thread subclass start as fibers, join and
 * isAlive follow them, and main returns while a non-daemon patched thread still runs: the JVM waits
 * for it, not for the daemon one.
 */
public final class ThreadsProgram {
    static final class Worker extends Thread {
        Worker() {
            super("worker-subclass");
        }

        @Override
        public void run() {
            System.out.println("SUBCLASS on " + Thread.currentThread().getName());
        }
    }

    public static void main(String[] args) throws Exception {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("JOINED-THREAD on " + Thread.currentThread().getName());
        }, "joined");
        t.start();
        System.out.println("ALIVE " + t.isAlive());
        Worker w = new Worker();
        w.start();
        t.join();
        w.join(1000);
        System.out.println("ALIVE-AFTER " + t.isAlive());

        Thread late = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("NON-DAEMON done");
        });
        late.start();
        Thread daemon = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("DAEMON done (should not print)");
        });
        daemon.setDaemon(true);
        daemon.start();
        System.out.println("MAIN returns");
    }
}
