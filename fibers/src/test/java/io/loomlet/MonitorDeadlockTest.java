package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The watchdog names both fibers of a monitor deadlock; forked, since the deadlock is permanent. */
class MonitorDeadlockTest {

    @Test
    void watchdogNamesTheBlockedFiberAndTheHolder() throws Exception {
        String out = ForkedJvm.main(MonitorDeadlockMain.class).exports().timeout(Duration.ofSeconds(60)).run().out();
        assertTrue(out.contains("main done"), out);
        assertTrue(!out.contains("A entered"), out);
        assertTrue(out.contains("the hub of thread stuck-hub has not switched"), out);
        assertTrue(out.contains("fiber 'A' holds it"), out);
        assertTrue(out.contains("enterTheMonitor"), out);
        assertTrue(out.contains("suspended fiber 'B' [parked] holds monitor java.lang.Object@"), out);
        assertTrue(out.contains("MonitorDeadlockMain.lambda"), "the frame where B took it:\n" + out);
    }

    /**
     * #12 item 3: the holder is a virtual thread of the hub. The JVM does not report the raw fiber as
     * blocked nor the owner (measured on JDK 25), so the report names the fiber and its frame, and
     * says what the hazard is and where such code belongs.
     */
    @Test
    void watchdogNamesAVirtualThreadHoldingTheMonitorARawFiberWaitsFor() throws Exception {
        String out = ForkedJvm.main(MonitorDeadlockMain.class).exports().jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED")
                .args("virtual-holder").timeout(Duration.ofSeconds(60)).run().out();
        assertTrue(out.contains("main done"), out);
        assertTrue(!out.contains("A entered"), out);
        assertTrue(out.contains("fiber 'A' holds it"), out);
        assertTrue(out.contains("enterTheMonitor"), out);
        assertTrue(out.contains("this hub also runs virtual threads: if this fiber waits to enter a monitor"), out);
        assertTrue(out.contains("should run\n  in a patched thread"), out);
    }
}
