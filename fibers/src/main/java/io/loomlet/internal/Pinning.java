package io.loomlet.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Warns, once per frame, that a fiber could not yield because the JVM pinned it (a native frame
 * such as a static initialiser, or a critical section). The hub then waits on the fiber's own
 * stack (running no other fiber meanwhile if the pinned one holds monitors); this warning says
 * where, so the blocking call can be moved.
 */
public final class Pinning {
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final StackWalker WALKER = StackWalker.getInstance();

    private Pinning() {
    }

    /**
     * Calls from inside Continuation.onPinned, on the pinned fiber's own stack. {@code heldMonitors}
     * names the monitors the fiber's own frames hold (null: none); asked only when a warning is
     * printed, as the query costs tens of microseconds.
     */
    public static void warnOnce(String fiberName, String reason, Supplier<String> heldMonitors) {
        String frame = culprit();
        if (WARNED.add(reason + " " + frame)) {
            String held;
            try {
                held = heldMonitors.get();
            } catch (Throwable e) {
                // The query failed (no management support, no memory, no stack): warn without it.
                held = null;
            }
            Errors.warn("fiber '" + fiberName + "' could not yield (pinned: " + reason + ") in " + frame
                    + "; it waits by running the hub on its own stack until it can go on. "
                    + "Blocking in a static initialiser or under a native frame is the usual cause: move the "
                    + "blocking call out of it."
                    + (held == null ? "" : " It also holds monitors (" + held + "), so while it waits the hub runs "
                            + "no other fiber or virtual thread, as a pinned virtual thread holds its carrier: one "
                            + "resumed on its stack would take those monitors with it when it parks (the JDK's "
                            + "behaviour for a continuation run on top of another). If it waits for another fiber "
                            + "of this hub, that wait cannot end."));
        }
    }

    /** Names the frame to blame: the innermost static initialiser, else the first frame outside Loomlet and the JDK. */
    public static String culprit() {
        return WALKER.walk(s -> {
            String firstOutside = null;
            for (StackWalker.StackFrame f : (Iterable<StackWalker.StackFrame>) s::iterator) {
                String cls = f.getClassName();
                if (f.getMethodName().equals("<clinit>")) {
                    return f.toStackTraceElement().toString();
                }
                if (firstOutside == null && !cls.startsWith("io.loomlet.") && !cls.startsWith("java.")
                        && !cls.startsWith("jdk.")) {
                    firstOutside = f.toStackTraceElement().toString();
                }
            }
            return firstOutside == null ? "an unknown frame" : firstOutside;
        });
    }
}
