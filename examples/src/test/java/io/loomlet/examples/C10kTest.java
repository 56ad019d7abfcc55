package io.loomlet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.net.StreamServer;
import io.loomlet.testing.ForkedJvm;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
    @Timeout(180) // the client JVM may take up to 120 s
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
        ForkedJvm.Result clients = ForkedJvm.main(StressClient.class).exports()
                .args("--port", String.valueOf(server.address().getPort()), "--clients", "10000", "--seconds", "6")
                .timeout(Duration.ofSeconds(120)).run();
        String out = clients.out();
        assertEquals(0, clients.exit(), out);
        assertTrue(out.contains("errors 0"), out);
        assertEquals(10_000, server.acceptedCount(), out);
        assertEquals(10_000, peak.get(), "all 10,000 connections open at once on one hub:\n" + out);
        server.stop(Duration.ofSeconds(5));
        hubThread.join(10_000);
    }
}
