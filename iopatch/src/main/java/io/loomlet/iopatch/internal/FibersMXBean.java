package io.loomlet.iopatch.internal;

/**
 * What a patched program shows over JMX as {@code io.loomlet:type=Fibers} (JConsole, JDK Mission
 * Control, any JMX client): the fiber dump of every hub, so a running server can be looked at from
 * outside. Public because JMX requires it; not API.
 */
public interface FibersMXBean {
    /** {@code Fibers.dump()}: every hub, its live fibers and their stacks. */
    String getFiberDump();

    /** Whether the watchdog watches the hubs now. */
    boolean isWatchdogEnabled();
}
