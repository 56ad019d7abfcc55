package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog names both fibers of a monitor deadlock; forked, since the deadlock is permanent. */
class MonitorDeadlockTest {

    @Test
    void watchdogNamesTheBlockedFiberAndTheHolder() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MonitorDeadlockMain.class.getName()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "forked JVM ended by itself");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("main done"), out);
        assertTrue(!out.contains("A entered"), out);
        assertTrue(out.contains("the hub of thread stuck-hub has not switched"), out);
        assertTrue(out.contains("fiber 'A' holds it"), out);
        assertTrue(out.contains("enterTheMonitor"), out);
        assertTrue(out.contains("suspended fiber 'B' [parked] holds monitor java.lang.Object@"), out);
        assertTrue(out.contains("MonitorDeadlockMain.lambda"), "the frame where B took it:\n" + out);
    }
}
