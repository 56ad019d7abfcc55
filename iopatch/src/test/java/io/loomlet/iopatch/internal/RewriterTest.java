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

    /** Nothing to patch. */
    static final class Plain {
        int add(int a, int b) {
            return a + b;
        }
    }

    /** A main class: its main gets a call before each return. */
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
    void threadsMonitorsLocksAndLocalsGoThroughPatched() throws Exception {
        List<String> calls = calls(rewrite(Shares.class, null), "run");
        for (String c : List.of("start", "join", "monitorEnter", "monitorExit", "threadLocalSet", "lock", "unlock")) {
            assertTrue(calls.contains(PATCHED + "." + c), c + " in " + calls);
        }
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("java/lang/Thread.") || c.startsWith("java/util/concurrent/locks/")
                || c.startsWith("java/lang/ThreadLocal.")), calls.toString());
        // the real monitor stays: monitorenter/monitorexit still there, with the fiber lock beside them
        ClassModel cm = ClassFile.of().parse(rewrite(Shares.class, null));
        long monitors = cm.methods().stream().filter(m -> m.methodName().equalsString("run"))
                .flatMap(m -> m.code().orElseThrow().elementStream())
                .filter(e -> e instanceof MonitorInstruction).count();
        assertTrue(monitors >= 2, "monitorenter and monitorexit kept: " + monitors);
    }

    @Test
    void aClassWithNothingToPatchIsLeftAlone() throws Exception {
        assertNull(rewrite(Plain.class, null));
    }

    @Test
    void theMainClassWaitsForPatchedThreadsBeforeEachReturn() throws Exception {
        assertNull(rewrite(App.class, null), "not the main class: nothing to patch");
        List<String> calls = calls(rewrite(App.class, App.class.getName()), "main");
        assertEquals(2, calls.stream().filter(c -> c.equals(PATCHED + ".mainReturning")).count(), calls.toString());
    }
}
