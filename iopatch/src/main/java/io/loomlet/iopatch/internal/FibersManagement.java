package io.loomlet.iopatch.internal;

import io.loomlet.Fibers;
import io.loomlet.Watchdog;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/** Registers {@link FibersMXBean} with the platform MBean server; the agent does it at start. */
public final class FibersManagement implements FibersMXBean {
    public static final String NAME = "io.loomlet:type=Fibers";

    private FibersManagement() {
    }

    /** Registers the bean once; a failure (no java.management in a small runtime) only costs the bean. */
    public static synchronized void register() {
        try {
            ObjectName name = new ObjectName(NAME);
            var server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(name)) {
                server.registerMBean(new FibersManagement(), name);
            }
        } catch (Exception | LinkageError e) {
            System.err.println("loomlet: note: the " + NAME + " MXBean is not available (" + e + ")");
        }
    }

    @Override
    public String getFiberDump() {
        return Fibers.dump();
    }

    @Override
    public boolean isWatchdogEnabled() {
        return Watchdog.isEnabled();
    }
}
