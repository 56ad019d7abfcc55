package io.loomlet.testing;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Runs each test, with its {@code @BeforeEach} and {@code @AfterEach} methods, on a fresh thread of
 * its own, so that a hung hub costs one test and not the whole run.
 *
 * <p>Why: JUnit's timeout ({@code junit.jupiter.execution.timeout.default}, {@code @Timeout}) in its
 * default mode interrupts the test's thread. A hub that lost a wake-up parks in its poll phase, and an
 * interrupt only makes that park return at once, again and again: the test would spin until surefire
 * kills the whole JVM. Here the JUnit thread only waits for the test's thread, so the timeout's
 * interrupt ends that wait, the test fails with a TimeoutException (and JUnit's thread dump), and the
 * stuck thread, a daemon, is abandoned. The lifecycle methods share the test's thread because a hub
 * belongs to one thread ({@code HubTestBase} makes it in {@code @BeforeEach}).
 */
public final class OwnThreadPerTest implements InvocationInterceptor {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OwnThreadPerTest.class);

    /** The test's own thread, shut down with the test's extension context. */
    static final class TestThread implements AutoCloseable {
        final ExecutorService exec;
        volatile boolean abandoned;

        TestThread(String name) {
            exec = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(name).daemon().unstarted(r));
        }

        @Override
        public void close() {
            exec.shutdown();
        }
    }

    private static <T> T onTestThread(Invocation<T> invocation, ExtensionContext context) throws Throwable {
        TestThread t = context.getStore(NS).getOrComputeIfAbsent("thread",
                k -> new TestThread("test " + context.getDisplayName()), TestThread.class);
        if (t.abandoned) {
            invocation.skip(); // its thread is stuck in the timed-out test
            return null;
        }
        Future<T> f = t.exec.submit(() -> {
            try {
                return invocation.proceed();
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new ExecutionException(e);
            }
        });
        try {
            return f.get();
        } catch (InterruptedException e) {
            t.abandoned = true; // the JUnit timeout: leave the stuck thread behind
            Thread.currentThread().interrupt();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof ExecutionException nested && nested.getCause() != null ? nested.getCause() : cause;
        }
    }

    @Override
    public void interceptBeforeEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> ic,
            ExtensionContext context) throws Throwable {
        onTestThread(invocation, context);
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> ic,
            ExtensionContext context) throws Throwable {
        onTestThread(invocation, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> ic,
            ExtensionContext context) throws Throwable {
        onTestThread(invocation, context);
    }

    @Override
    public void interceptAfterEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> ic,
            ExtensionContext context) throws Throwable {
        onTestThread(invocation, context);
    }
}
