package io.loomlet.legacyit.programs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Legacy program: an {@code InheritableThreadLocal} request context seen by child and grandchild
 * threads, a plain {@code ThreadLocal} private to each thread across a sleep, and
 * {@code Thread.currentThread()} naming the right thread.
 */
public class InheritableLocals {
    static final int CHILDREN = 50;
    static final InheritableThreadLocal<String> CONTEXT = new InheritableThreadLocal<>();
    static final ThreadLocal<Integer> MINE = new ThreadLocal<>();

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        CONTEXT.set("request-main");
        MINE.set(-1);
        AtomicInteger good = new AtomicInteger();
        List<String> problems = new ArrayList<>();
        List<Thread> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            final int n = i;
            Thread child = new Thread(() -> {
                try {
                    boolean ok = "request-main".equals(CONTEXT.get()) && MINE.get() == null
                            && Thread.currentThread().getName().equals("child-" + n);
                    MINE.set(n);
                    CONTEXT.set("request-" + n);
                    Thread.sleep(20);
                    String[] seenByGrandchild = new String[2];
                    Thread grandchild = new Thread(() -> {
                        seenByGrandchild[0] = CONTEXT.get();
                        seenByGrandchild[1] = Thread.currentThread().getName();
                    }, "grandchild-" + n);
                    grandchild.start();
                    grandchild.join(10_000);
                    ok &= MINE.get() == n && ("request-" + n).equals(CONTEXT.get())
                            && ("request-" + n).equals(seenByGrandchild[0])
                            && ("grandchild-" + n).equals(seenByGrandchild[1])
                            && Thread.currentThread().getName().equals("child-" + n);
                    if (ok) {
                        good.incrementAndGet();
                    } else {
                        synchronized (problems) {
                            problems.add("child-" + n + " saw context " + CONTEXT.get() + ", local " + MINE.get()
                                    + ", grandchild saw " + seenByGrandchild[0] + " as " + seenByGrandchild[1]
                                    + ", current thread " + Thread.currentThread().getName());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "child-" + i);
            children.add(child);
            child.start();
        }
        for (Thread t : children) t.join(30_000);
        boolean mainOk = "request-main".equals(CONTEXT.get()) && MINE.get() == -1;
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = good.get() == CHILDREN && mainOk;
        System.out.println("RESULT " + (ok ? "ok" : "FAIL") + " " + good.get() + "/" + CHILDREN
                + " children saw their own locals and the inherited context" + (mainOk ? "" : ", main's locals changed")
                + (problems.isEmpty() ? "" : ", first problem: " + problems.get(0)));
        System.out.println("WALL_MS " + ms);
    }
}
