package io.loomlet.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;

/**
 * The one place that reaches the JDK's hidden virtual-thread scheduler hook (JDK 25). There is no
 * public API for a virtual thread with a scheduler of one's own: {@code java.lang.ThreadBuilders}'s
 * {@code VirtualThreadBuilder(Executor)} constructor exists "for tests" and is package-private, and
 * so is {@code Thread.currentCarrierThread()}. Both need {@code java.lang} opened to Loomlet: the agent
 * opens it itself; without the agent, {@code --add-opens java.base/java.lang=ALL-UNNAMED}. A later
 * JDK replaces this hook with a public one (the Loom early-access {@code VirtualThreadScheduler}):
 * then only this class changes.
 *
 * <p>What the JDK does with the executor (read from {@code VirtualThread.java}, measured in
 * {@code legacy-it/SPIKE-VT-SCHEDULER.md}): {@code execute} receives the thread's
 * {@code runContinuation} task at start and at every wake, from any thread (the starter, a waker,
 * the JDK's timer and monitor threads), and must neither block nor throw; running the task mounts
 * the thread on the calling platform thread until it parks, yields or ends.
 */
public final class VirtualThreads {
    private static final MethodHandle NEW_BUILDER;
    private static final MethodHandle CARRIER;
    private static final Throwable UNAVAILABLE;

    static {
        MethodHandle b = null;
        MethodHandle c = null;
        Throwable why = null;
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            b = l.findConstructor(builder, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
            c = l.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = e;
            b = null;
            c = null;
        }
        NEW_BUILDER = b;
        CARRIER = c;
        UNAVAILABLE = why;
    }

    private VirtualThreads() {
    }

    /** True when this JVM lets Loomlet schedule virtual threads (java.lang is open to it). */
    public static boolean available() {
        return NEW_BUILDER != null;
    }

    /**
     * A new builder of virtual threads that {@code scheduler} runs. Builders are not thread-safe:
     * one per thread that makes threads.
     *
     * @throws UnsupportedOperationException when java.lang is not open to Loomlet, saying how to open it
     */
    public static Thread.Builder.OfVirtual builder(Executor scheduler) {
        if (NEW_BUILDER == null) {
            throw unavailable();
        }
        try {
            return (Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact(scheduler);
        } catch (Throwable t) {
            throw Errors.sneaky(t);
        }
    }

    /**
     * The platform thread the current thread runs on: itself for a platform thread, the carrier for
     * a mounted virtual thread.
     */
    public static Thread carrier() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual() || CARRIER == null) {
            return t;
        }
        try {
            return (Thread) CARRIER.invokeExact();
        } catch (Throwable e) {
            throw Errors.sneaky(e);
        }
    }

    /**
     * The virtual thread a scheduler task runs, or null if that cannot be told. The JDK hands the
     * scheduler an opaque task (a method reference bound to the thread); for reports only — a
     * watchdog naming the thread that holds a hub — this reads the thread out of it reflectively.
     */
    public static Thread threadOf(Runnable task) {
        if (task == null || NEW_BUILDER == null) {
            return null;
        }
        try {
            for (java.lang.reflect.Field f : task.getClass().getDeclaredFields()) {
                if (Thread.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return (Thread) f.get(task);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // an unexpected shape in a later JDK: the report says less
        }
        return null;
    }

    private static UnsupportedOperationException unavailable() {
        return new UnsupportedOperationException("virtual threads scheduled by a Loomlet hub need java.lang open to "
                + "Loomlet: run with the agent (-javaagent:loomlet-agent.jar), or add "
                + "--add-opens java.base/java.lang=ALL-UNNAMED to the java command line", UNAVAILABLE);
    }
}
