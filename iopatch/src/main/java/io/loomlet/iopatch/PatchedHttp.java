package io.loomlet.iopatch;

import io.loomlet.iopatch.internal.HubThreads;
import java.net.http.HttpClient;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What patched {@code java.net.http.HttpClient} call sites call (a class of its own, so that
 * {@link Patched} never links {@code java.net.http}). A client built without an executor makes its
 * worker threads inside the JDK, where thread creation is not rewritten: under the thread patch it
 * gets an executor whose threads are patched threads instead (daemons, as the JDK's own are), so a
 * program that sends from 200 threads does not also grow a pool of platform threads. A client given
 * an executor keeps it. Public because rewritten classes call it; not for direct use.
 */
public final class PatchedHttp {
    /** Builders that were given an executor by the program. */
    private static final Set<HttpClient.Builder> EXPLICIT = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    private static volatile ExecutorService workers;

    private PatchedHttp() {
    }

    private static boolean threads() {
        return IoPatch.isPatched(IoPatch.Part.THREAD);
    }

    public static HttpClient newHttpClient() {
        return threads() ? HttpClient.newBuilder().executor(workers()).build() : HttpClient.newHttpClient();
    }

    public static HttpClient.Builder executor(HttpClient.Builder b, Executor e) {
        EXPLICIT.add(b);
        return b.executor(e);
    }

    public static HttpClient build(HttpClient.Builder b) {
        if (threads() && !EXPLICIT.contains(b)) {
            b.executor(workers());
        }
        return b.build();
    }

    /** One pool for every such client, as the JDK's are per client but idle threads cost nothing here. */
    private static ExecutorService workers() {
        ExecutorService w = workers;
        if (w == null) {
            synchronized (PatchedHttp.class) {
                w = workers;
                if (w == null) {
                    w = Executors.newCachedThreadPool(task -> {
                        Thread t = Executors.defaultThreadFactory().newThread(task);
                        t.setName("HttpClient-loomlet-worker-" + t.getName());
                        t.setDaemon(true); // as the JDK's HttpClient workers: they never keep the JVM alive
                        return HubThreads.virtualLike(t, task, true);
                    });
                    workers = w;
                }
            }
        }
        return w;
    }
}
