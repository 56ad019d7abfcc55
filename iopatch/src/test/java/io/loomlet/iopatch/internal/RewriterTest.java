package io.loomlet.iopatch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * The Rewriter on class bytes in memory: the class files of the fixtures below, read from the test
 * class path, rewritten, and parsed back with the Class-File API. No agent, nothing loaded.
 */
class RewriterTest {
    static final String PATCHED = "io/loomlet/iopatch/Patched";

    /** Calls every sleep the agent patches. */
    static final class Sleeps {
        void run() throws InterruptedException {
            Thread.sleep(1);
            Thread.sleep(1, 2);
            TimeUnit.MILLISECONDS.sleep(1);
            Thread.yield();
            Thread.onSpinWait();
        }
    }

    /** Starts and joins a thread, holds a monitor and a ReentrantLock, uses a ThreadLocal. */
    static final class Shares {
        static final ThreadLocal<String> LOCAL = new ThreadLocal<>();

        void run(Thread t, ReentrantLock lock) throws InterruptedException {
            t.start();
            t.join();
            synchronized (this) {
                LOCAL.set("x");
            }
            lock.lock();
            lock.unlock();
        }
    }

    /** Every way of making threads the thread patch follows. */
    public static final class Creates {
        static final Runnable NOTHING = () -> { };

        public List<Object> run() {
            List<Object> made = new ArrayList<>();
            made.add(new Thread(NOTHING));
            made.add(new Thread(NOTHING, "named"));
            made.add(new Thread(new Thread(NOTHING, "inner").getName())); // nested: two new/dup pairs
            made.add(new Thread());
            made.add(Thread.ofPlatform().name("built").unstarted(NOTHING));
            ExecutorService fixed = Executors.newFixedThreadPool(1);
            fixed.shutdown();
            made.add(fixed);
            ThreadPoolExecutor tpe = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            tpe.shutdown();
            made.add(tpe);
            ThreadPoolExecutor withHandler = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    new ThreadPoolExecutor.AbortPolicy());
            withHandler.shutdown();
            made.add(withHandler);
            ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(1);
            scheduled.shutdown();
            made.add(scheduled);
            made.add(new Pool());
            made.add(new Worker());
            return made;
        }
    }

    /** A pool subclass: its super(...) call gets the factory too. */
    public static final class Pool extends ThreadPoolExecutor {
        public Pool() {
            super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            shutdown();
        }
    }

    /** A Thread subclass: its super(...) call must stay a constructor call. */
    public static final class Worker extends Thread {
        public Worker() {
            super("worker");
        }
    }

    /** Nothing to patch. */
    static final class Plain {
        int add(int a, int b) {
            return a + b;
        }
    }

    /** A main class: its main starts with a call to Patched.mainEntry. */
    static final class App {
        public static void main(String[] args) {
            if (args.length > 0) {
                return;
            }
            System.out.println("hi");
        }
    }

    static byte[] bytes(Class<?> c) throws IOException {
        String res = "/" + c.getName().replace('.', '/') + ".class";
        try (InputStream in = RewriterTest.class.getResourceAsStream(res)) {
            assertNotNull(in, res);
            return in.readAllBytes();
        }
    }

    /** "owner.name" of every call in {@code method} of the class. */
    static List<String> calls(byte[] classBytes, String method) {
        ClassModel cm = ClassFile.of().parse(classBytes);
        List<String> out = new ArrayList<>();
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString(method)) {
                m.code().orElseThrow().forEach(e -> {
                    if (e instanceof InvokeInstruction i) {
                        out.add(i.owner().asInternalName() + "." + i.name().stringValue());
                    }
                });
            }
        }
        return out;
    }

    static byte[] rewrite(Class<?> c, String mainClass) throws IOException {
        return new Rewriter(mainClass).rewrite(bytes(c), RewriterTest.class.getClassLoader());
    }

    @Test
    void everySleepBecomesACallToPatched() throws Exception {
        assertEquals(List.of("java/lang/Thread.sleep", "java/lang/Thread.sleep", "java/util/concurrent/TimeUnit.sleep",
                "java/lang/Thread.yield", "java/lang/Thread.onSpinWait"), calls(bytes(Sleeps.class), "run"));
        byte[] out = rewrite(Sleeps.class, null);
        assertNotNull(out);
        assertEquals(List.of(PATCHED + ".sleep", PATCHED + ".sleep", PATCHED + ".sleep", PATCHED + ".yieldNow",
                PATCHED + ".onSpinWait"), calls(out, "run"));
    }

    @Test
    void threadCallsGoThroughPatchedAndMonitorsLocksAndLocalsStayTheJdks() throws Exception {
        List<String> calls = calls(rewrite(Shares.class, null), "run");
        assertTrue(calls.contains(PATCHED + ".start") && calls.contains(PATCHED + ".join"), calls.toString());
        // in a virtual thread the JDK gives monitors, locks and locals their meaning: left alone
        for (String c : List.of("java/lang/ThreadLocal.set", "java/util/concurrent/locks/ReentrantLock.lock",
                "java/util/concurrent/locks/ReentrantLock.unlock")) {
            assertTrue(calls.contains(c), c + " in " + calls);
        }
        ClassModel cm = ClassFile.of().parse(rewrite(Shares.class, null));
        long monitors = cm.methods().stream().filter(m -> m.methodName().equalsString("run"))
                .flatMap(m -> m.code().orElseThrow().elementStream())
                .filter(e -> e instanceof MonitorInstruction).count();
        assertTrue(monitors >= 2, "monitorenter and monitorexit as javac wrote them: " + monitors);
    }

    @Test
    void everyWayOfMakingThreadsGoesThroughPatched() throws Exception {
        List<String> calls = calls(rewrite(Creates.class, null), "run");
        assertEquals(5, calls.stream().filter(c -> c.equals(PATCHED + ".newThread")).count(), calls.toString());
        assertTrue(calls.stream().noneMatch(c -> c.equals("java/lang/Thread.<init>")), calls.toString());
        for (String c : List.of("builderUnstarted", "newFixedThreadPool")) {
            assertTrue(calls.contains(PATCHED + "." + c), c + " in " + calls);
        }
        // the pool constructors without a factory get Patched's, pushed before the constructor call
        assertEquals(3, calls.stream().filter(c -> c.equals(PATCHED + ".threadFactory")).count(), calls.toString());
        List<String> init = calls(rewrite(Pool.class, null), "<init>");
        int factory = init.indexOf(PATCHED + ".threadFactory");
        assertTrue(factory >= 0 && init.get(factory + 1).equals("java/util/concurrent/ThreadPoolExecutor.<init>"), init.toString());
        // a Thread subclass's super(...) is left as it is
        List<String> worker = calls(rewrite(Worker.class, null), "<init>");
        assertEquals(List.of("java/lang/Thread.<init>"), worker);
    }

    @Test
    void rewrittenCodeVerifiesAndBehavesAsBeforeWhenNothingIsPatched() throws Exception {
        // Loaded in a loader of its own (the verifier checks the rewritten stack shapes): with the
        // thread part not patched, every Patched method does what the original call did.
        Class<?> c = new ClassLoader(RewriterTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Creates.class.getName()) || name.equals(Pool.class.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> done = findLoadedClass(name);
                        if (done != null) {
                            return done;
                        }
                        try {
                            byte[] b = name.equals(Pool.class.getName()) ? rewrite(Pool.class, null) : rewrite(Creates.class, null);
                            return defineClass(name, b, 0, b.length);
                        } catch (IOException e) {
                            throw new ClassNotFoundException(name, e);
                        }
                    }
                }
                return super.loadClass(name, resolve);
            }
        }.loadClass(Creates.class.getName());
        Object creates = c.getDeclaredConstructor().newInstance();
        java.lang.reflect.Method run = c.getDeclaredMethod("run");
        run.setAccessible(true);
        @SuppressWarnings("unchecked")
        List<Object> made = (List<Object>) run.invoke(creates);
        assertEquals(11, made.size());
        assertEquals("named", ((Thread) made.get(1)).getName());
        assertEquals("inner", ((Thread) made.get(2)).getName());
        assertEquals("built", ((Thread) made.get(4)).getName());
        for (Object o : made) {
            if (o instanceof Thread t) {
                assertEquals(Thread.State.NEW, t.getState());
                assertTrue(!t.isVirtual(), "nothing is patched: platform threads as written");
            }
        }
    }

    @Test
    void aClassWithNothingToPatchIsLeftAlone() throws Exception {
        assertNull(rewrite(Plain.class, null));
    }

    @Test
    void theMainClassStartsWithTheCallThatMakesMainAVirtualThread() throws Exception {
        assertNull(rewrite(App.class, null), "not the main class: nothing to patch");
        List<String> calls = calls(rewrite(App.class, App.class.getName()), "main");
        assertEquals(PATCHED + ".mainEntry", calls.get(0), calls.toString());
        assertEquals(1, calls.stream().filter(c -> c.equals(PATCHED + ".mainEntry")).count(), calls.toString());
    }
}
