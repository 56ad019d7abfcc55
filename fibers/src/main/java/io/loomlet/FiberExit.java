package io.loomlet;

/**
 * Raised in a fiber to end it quietly: greenlet's {@code GreenletExit}. {@link Task#kill()} raises
 * it at the task's blocking point; a fiber whose body lets it escape dies normally, and its parent
 * receives the exception object as the fiber's value (a killed {@link Task} counts as successful,
 * with a null value).
 *
 * <p>It is an {@link Error}, like the old {@code ThreadDeath}, for the reason gevent makes
 * GreenletExit a BaseException: {@code catch (Exception e)} in ordinary code must not swallow a kill.
 * Catch it only to clean up, and rethrow it.
 */
public class FiberExit extends Error {
    private static final long serialVersionUID = 1L;

    public FiberExit() {
        super("fiber killed");
    }

    public FiberExit(String message) {
        super(message);
    }
}
