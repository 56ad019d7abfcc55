package io.loomlet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.net.StreamServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * C10K: one hub holds 10,000 concurrent connections, all echoing, with zero errors. The server runs
 * here on one hub thread; the 10,000 clients run in a forked JVM (StressClient), since both ends in
 * one process would need 20,000 descriptors, this machine's limit. Part of the stress set
 * (-Dloomlet.stress=false skips it).
 */
@DisabledIfSystemProperty(named = "loomlet.stress", matches = "false")
class C10kTest {

    @Test
    void oneHubServesTenThousandConcurrentConnections() throws Exception {
        AtomicInteger peak = new AtomicInteger();
        EchoServer.Serving serving = EchoServer.onOwnThread("c10k-server-hub", () -> {
            StreamServer s = new StreamServer(new InetSocketAddress("127.0.0.1", 0), EchoServer::talk).backlog(4096).start();
            Fibers.spawn(() -> {
                for (;;) {
                    peak.accumulateAndGet(s.activeConnections(), Math::max);
                    Fibers.sleep(20);
                }
            });
            return s;
        });
        StreamServer server = serving.server();
        Thread hubThread = serving.thread();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process clients = new ProcessBuilder(List.of(javaBin, "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), StressClient.class.getName(),
                "--port", String.valueOf(server.address().getPort()), "--clients", "10000", "--seconds", "6"))
                .redirectErrorStream(true).start();
        boolean ended = clients.waitFor(120, TimeUnit.SECONDS);
        String out = new String(clients.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            clients.destroyForcibly();
        }
        assertTrue(ended, "the client JVM ended by itself:\n" + out);
        assertEquals(0, clients.exitValue(), out);
        assertTrue(out.contains("errors 0"), out);
        assertEquals(10_000, server.acceptedCount(), out);
        assertEquals(10_000, peak.get(), "all 10,000 connections open at once on one hub:\n" + out);
        server.stop(java.time.Duration.ofSeconds(5));
        hubThread.join(10_000);
    }
}
