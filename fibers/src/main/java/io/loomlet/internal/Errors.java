package io.loomlet.internal;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Reporting and rethrowing helpers. */
public final class Errors {
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

    /** The default error handler: one block on stderr, with the stack. */
    public static void printToStderr(String what, Throwable error) {
        StringWriter sw = new StringWriter();
        try (PrintWriter pw = new PrintWriter(sw)) {
            pw.println("loomlet: " + what);
            if (error != null) {
                error.printStackTrace(pw);
            }
        }
        System.err.print(sw);
        System.err.flush();
    }

    /** A one-line warning on stderr. */
    public static void warn(String message) {
        System.err.println("loomlet: warning: " + message);
        System.err.flush();
    }
}
