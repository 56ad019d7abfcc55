package io.loomlet.iopatch.internal;

import io.loomlet.Hub;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Forked by JdkSpinsTest (needs java.util.concurrent and java.lang opened): defines a probe class in
 * java.util.concurrent whose one method is the condition the rewrite emits, and prints what it
 * answers on a platform thread, a virtual thread of the JDK's scheduler and a hub's virtual thread.
 */
public final class NoSpinProbe {
    public static void main(String[] args) throws Throwable {
        MethodHandles.Lookup inJuc = MethodHandles.privateLookupIn(LinkedTransferQueue.class, MethodHandles.lookup());
        Class<?> probe = inJuc.defineClass(JdkSpins.probe("java/util/concurrent/LoomletNoSpinProbe"));
        MethodHandle noSpin = inJuc.findStatic(probe, "noSpin", MethodType.methodType(boolean.class));
        System.out.println("platform " + (boolean) noSpin.invokeExact());
        System.out.println("jdk-virtual " + on(Thread.ofVirtual(), noSpin));
        try (Hub hub = Hub.current()) {
            AtomicReference<Object> r = new AtomicReference<>();
            io.loomlet.sync.Event done = new io.loomlet.sync.Event();
            hub.virtualThreadBuilder().start(() -> {
                r.set(call(noSpin));
                done.set();
            });
            done.await(java.time.Duration.ofSeconds(30)); // the root's wait runs the hub, which runs the thread
            System.out.println("hub-virtual " + r.get());
        }
    }

    static Object on(Thread.Builder b, MethodHandle noSpin) throws InterruptedException {
        AtomicReference<Object> r = new AtomicReference<>();
        Thread t = b.start(() -> r.set(call(noSpin)));
        t.join();
        return r.get();
    }

    static Object call(MethodHandle noSpin) {
        try {
            return (boolean) noSpin.invokeExact();
        } catch (Throwable e) {
            return e;
        }
    }
}
