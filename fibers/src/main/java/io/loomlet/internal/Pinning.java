package io.loomlet.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Warns, once per frame, that a fiber could not yield because the JVM pinned it (a native frame
 * such as a static initialiser, or a critical section). The hub then waits on the fiber's own
 * stack; this warning says where, so the blocking call can be moved.
 */
public final class Pinning {
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final StackWalker WALKER = StackWalker.getInstance();

    private Pinning() {
    }

    /** Calls from inside Continuation.onPinned, on the pinned fiber's own stack. */
    public static void warnOnce(String fiberName, String reason) {
        String frame = culprit();
        if (WARNED.add(reason + " " + frame)) {
            Errors.warn("fiber '" + fiberName + "' could not yield (pinned: " + reason + ") in " + frame
                    + "; it waits by running the hub on its own stack until it can go on. "
                    + "Blocking in a static initialiser or under a native frame is the usual cause: move the "
                    + "blocking call out of it.");
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
