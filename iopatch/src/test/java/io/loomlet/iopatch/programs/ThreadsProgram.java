package io.loomlet.iopatch.programs;

/**
 * Forked by PatchIT with the thread patch: main, a Thread and a Thread subclass run as virtual threads
 * of main's hub (the subclass's run() still sees itself as Thread.currentThread()), join and isAlive
 * follow them, and main returns while a non-daemon patched thread still runs: the JVM waits for it,
 * not for the daemon one.
 */
public final class ThreadsProgram {
    static final class Worker extends Thread {
        Worker() {
            super("worker-subclass");
        }

        @Override
        public void run() {
            System.out.println("SUBCLASS on " + Thread.currentThread().getName() + " self=" + (Thread.currentThread() == this));
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("MAIN on " + Thread.currentThread().getName() + " virtual=" + Thread.currentThread().isVirtual());
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("JOINED-THREAD on " + Thread.currentThread().getName() + " virtual="
                    + Thread.currentThread().isVirtual());
        }, "joined");
        t.start();
        System.out.println("ALIVE " + t.isAlive());
        Worker w = new Worker();
        w.start();
        t.join();
        w.join(1000);
        System.out.println("SUBCLASS-ALIVE-AFTER " + w.isAlive());
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
