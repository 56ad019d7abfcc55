package io.loomlet.iopatch;

import io.loomlet.net.FiberSocketImpl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumSet;
import java.util.Set;

/**
 * The monkey patch: gevent.monkey's twin. After patching, unmodified blocking code parks fibers
 * instead of threads.
 *
 * <ul>
 *   <li>{@link Part#SOCKET}: every {@code java.net.Socket} and {@code ServerSocket} made afterwards —
 *       also inside the JDK and libraries (HttpURLConnection, JDBC drivers, SSLSocket layered on a
 *       plain socket) — is a cooperative socket. Sockets made before keep working as they were.
 *       Through the JDK's socket factories, so it needs no agent.</li>
 *   <li>{@link Part#DNS}: name lookups from a fiber run on a small thread pool and park only that
 *       fiber. Through the {@code InetAddressResolverProvider} this jar ships; needs no agent.</li>
 *   <li>{@link Part#SLEEP}: {@code Thread.sleep} (all overloads), {@code TimeUnit.sleep},
 *       {@code Thread.yield} and {@code Thread.onSpinWait} become the hub's sleep and yield. Needs
 *       the agent: call sites are rewritten as classes load.</li>
 *   <li>{@link Part#THREAD} (opt-in): the threads that application and library code start run as
 *       virtual threads scheduled by a hub — {@code new Thread(...)}, {@code Thread} subclasses,
 *       {@code Thread.Builder}, {@code Thread.ofVirtual()}, the {@code Executors} pools and
 *       {@code ThreadPoolExecutor}s without a thread factory — and main itself runs as one, so every
 *       patched thread of a hub shares its one thread, as greenlets share one OS thread. They keep
 *       everything a thread has: identity, interrupt, thread locals, monitors, {@code wait}/{@code notify}
 *       and every {@code java.util.concurrent} wait. Needs the agent (which also opens
 *       {@code java.lang} to Loomlet for the JDK's scheduler hook).</li>
 * </ul>
 *
 * On a thread that has no fibers, a patched call behaves as before (it blocks that thread).
 * Patching twice is harmless.
 */
public final class IoPatch {
    /** What can be patched. */
    public enum Part {
        SOCKET, DNS, SLEEP, THREAD
    }

    private static final Set<Part> PATCHED = EnumSet.noneOf(Part.class);
    /** Set by the agent: the parts its rewriter handles. */
    static volatile boolean agentActive;

    private IoPatch() {
    }

    /** Patches everything but threads (gevent's patch_all), as far as this JVM allows. */
    public static synchronized void patchAll() {
        patchSockets();
        patchDns();
        if (agentActive) {
            patchSleep();
        }
    }

    /** Installs the cooperative SocketImpl for sockets made from now on. */
    public static synchronized void patchSockets() {
        if (PATCHED.contains(Part.SOCKET)) {
            return;
        }
        try {
            Socket.setSocketImplFactory(() -> new FiberSocketImpl(false));
            ServerSocket.setSocketFactory(() -> new FiberSocketImpl(true));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot patch sockets: another socket factory is already installed", e);
        }
        PATCHED.add(Part.SOCKET);
    }

    /** Makes name lookups from fibers cooperative. */
    public static synchronized void patchDns() {
        PATCHED.add(Part.DNS);
    }

    /**
     * Makes Thread.sleep, TimeUnit.sleep, Thread.yield and Thread.onSpinWait cooperative.
     *
     * @throws IllegalStateException without the agent (call sites are rewritten as classes load)
     */
    public static synchronized void patchSleep() {
        requireAgent("sleep");
        PATCHED.add(Part.SLEEP);
    }

    /**
     * Makes the threads that code starts from now on virtual threads scheduled by a hub (see
     * {@link Part#THREAD}): the starting thread's hub when it runs one, else main's, else a hub on a
     * thread of its own.
     *
     * @throws IllegalStateException without the agent
     */
    public static synchronized void patchThreads() {
        requireAgent("thread");
        PATCHED.add(Part.THREAD);
    }

    public static synchronized boolean isPatched(Part part) {
        return PATCHED.contains(part);
    }

    /** True when the agent is active in this JVM (so sleep and thread can be patched). */
    public static boolean isAgentActive() {
        return agentActive;
    }

    private static void requireAgent(String what) {
        if (!agentActive) {
            throw new IllegalStateException("patching " + what + " rewrites bytecode as classes load, so it needs the agent: "
                    + "run with -javaagent:loomlet-agent.jar, or through the launcher "
                    + "(java -jar loomlet-agent.jar --patch all,thread -cp APP_CLASSPATH MAIN_CLASS)");
        }
    }
}
