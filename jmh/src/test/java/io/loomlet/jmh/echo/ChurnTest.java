package io.loomlet.jmh.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The independent client's churn phase ({@code --churn}) and the cold-start harness that uses it,
 * against plain-JDK echo servers (no Loomlet code on either side).
 */
@Timeout(120)
class ChurnTest {
    /** A thread-per-connection echo on loopback; {@code shift} is what it adds to each byte (-32: upper-case). */
    private static ServerSocket echo(int shift, AtomicInteger accepted) throws IOException {
        ServerSocket ss = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                Socket s;
                try {
                    s = ss.accept();
                } catch (IOException e) {
                    return; // closed
                }
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] b = new byte[1024];
                        for (int n; (n = in.read(b)) > 0; ) {
                            for (int i = 0; i < n; i++) {
                                b[i] += shift;
                            }
                            out.write(b, 0, n);
                        }
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            }
        });
        return ss;
    }

    private static NioLoadClient.Config config(ServerSocket ss, int churn) {
        return new NioLoadClient.Config("127.0.0.1", ss.getLocalPort(), 1, 64, 0, 1, 5, churn);
    }

    @Test
    void churnOpensEachConnectionForOneCheckedRoundTripAndClosesIt() throws IOException {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket ss = echo(-32, accepted)) {
            // 1,200 in waves of at most 500: three waves, the last one short
            assertEquals(0, NioLoadClient.churn(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()),
                    config(ss, 1200)));
            assertEquals(1200, accepted.get());
        }
    }

    @Test
    void aWrongEchoInTheChurnCountsAsAnError() throws IOException {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket ss = echo(0, accepted)) { // echoes without upper-casing
            assertEquals(30, NioLoadClient.churn(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()),
                    config(ss, 30)));
        }
    }

    @Test
    void aRefusedChurnConnectionCountsAsAnError() throws IOException {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        } // closed: nothing listens there now
        NioLoadClient.Config cfg = new NioLoadClient.Config("127.0.0.1", port, 1, 64, 0, 1, 5, 3);
        assertEquals(3, NioLoadClient.churn(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), cfg));
    }

    @Test
    void theColdStartHarnessComparesTwoSetsInOneServerAndReportsTheRatio() throws Exception {
        // its own JVM: the harness exits when done
        JvmRun run = JvmRun.of(ColdStartHarness.class, 90, "no-agent.jar", "no-examples", System.getProperty("java.class.path"),
                "--servers", "nio", "--pairs", "2", "--window", "0.5", "--connections", "20", "--churn", "100",
                "--server-cpu", "none", "--client-cpu", "none");
        String out = run.out();
        assertEquals(0, run.exit(), out);
        assertTrue(out.contains("cold-start: no errors"), out);
        assertTrue(out.matches("(?s).*\\| nio \\| [0-9,]+ \\| [0-9,]+ \\| [0-9.]+, [0-9.]+ \\| \\*\\*[0-9.]+ ± [0-9.]+\\*\\* \\|.*"),
                out);
    }
}
