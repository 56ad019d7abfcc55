package io.loomlet.iopatch.programs;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.ObjectName;

/** Forked by PatchIT under the agent: the fiber dump is readable over JMX as io.loomlet:type=Fibers. */
public final class MxBeanProgram {
    public static void main(String[] args) throws Exception {
        Task<Void> t = Fibers.spawn("mx-fiber", () -> Fibers.sleep(Duration.ofSeconds(30)));
        Fibers.sleep(Duration.ofMillis(10));
        Object dump = ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName("io.loomlet:type=Fibers"),
                "FiberDump");
        Object watchdog = ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName("io.loomlet:type=Fibers"),
                "WatchdogEnabled");
        System.out.println("MX dump names the fiber: " + String.valueOf(dump).contains("mx-fiber [parked]"));
        System.out.println("MX watchdog: " + watchdog);
        t.kill();
    }
}
