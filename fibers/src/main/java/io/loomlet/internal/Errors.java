package io.loomlet.internal;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Reporting and rethrowing helpers. Everything here is called from inside the hub, where an error
 * must never escape: a report that fails (a {@code toString()} that throws, a stack overflow, no
 * memory left) degrades to a shorter one, never to an exception.
 */
public final class Errors {
    /** Printed when even a short report cannot be built: a constant, so printing it allocates nothing. */
    private static final String LAST_RESORT = "loomlet: an error was reported, but printing its report failed too";

    private Errors() {
    }

    /**
     * Rethrows any throwable without wrapping; callers write {@code throw Errors.sneaky(t)} so the
     * compiler sees the jump. Used where a fiber resumes with an exception thrown into it: it must
     * surface exactly as thrown, as greenlet's {@code throw} does.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /** The default error handler: one block on stderr, with the stack. Never throws. */
    public static void printToStderr(String what, Throwable error) {
        try {
            StringWriter sw = new StringWriter();
            try (PrintWriter pw = new PrintWriter(sw)) {
                pw.println("loomlet: " + what);
                if (error != null) {
                    error.printStackTrace(pw);
                }
            }
            System.err.print(sw);
            System.err.flush();
        } catch (Throwable failed) {
            lastResort();
        }
    }

    /** A one-line warning on stderr. Never throws. */
    public static void warn(String message) {
        try {
            System.err.println("loomlet: warning: " + message);
            System.err.flush();
        } catch (Throwable failed) {
            lastResort();
        }
    }

    /**
     * {@code o.toString()}, or its class name and identity if that throws (a user object in an error
     * message must not turn one error into two).
     */
    public static String describe(Object o) {
        if (o == null) {
            return "nothing";
        }
        try {
            return String.valueOf(o);
        } catch (Throwable t) {
            try {
                return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o))
                        + " (its toString() threw " + t.getClass().getName() + ")";
            } catch (Throwable again) {
                return "an object";
            }
        }
    }

    /** Prints a constant line, allocating nothing; swallows whatever happens. */
    public static void lastResort() {
        try {
            System.err.println(LAST_RESORT);
        } catch (Throwable ignored) {
            // stderr itself is gone: there is nowhere left to report to
        }
    }
}
