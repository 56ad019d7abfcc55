package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Accept with file descriptors exhausted: the server backs off (reporting once), then recovers when
 * descriptors are free again. In a forked JVM with {@code ulimit -n 256}, so the rest of the suite is
 * untouched. The clients here are plain blocking sockets in this JVM.
 */
@EnabledOnOs(OS.LINUX) // bash -c ulimit
class AcceptBackoffTest {

    @Test
    void backsOffThenRecovers() throws Exception {
        List<String> out;
        try (ForkedJvm.Running p = ForkedJvm.main(AcceptBackoffMain.class).exports().shellPrefix("ulimit -n 256")
                .timeout(Duration.ofSeconds(20)).start()) {
            out = p.lines();
            int port = Integer.parseInt(p.expect("PORT ").substring(5));
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", port);
            assertEquals("WARM", echo(a, "warm")); // load every class the server needs before the table fills

            p.send("FILL");
            p.expect("FULL ");
            List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                s.connect(a, 5000); // the kernel completes it; the server cannot accept it
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("c" + i).getBytes());
                clients.add(s);
            }
            p.expect("REPORT: StreamServer on");
            Thread.sleep(300); // several failed accepts, backing off
            p.send("RELEASE");
            p.expect("RELEASED");
            for (int i = 0; i < 3; i++) {
                byte[] b = new byte[2];
                int n = clients.get(i).getInputStream().readNBytes(b, 0, 2);
                assertEquals("C" + i, new String(b, 0, n), "served after recovery");
                clients.get(i).close();
            }
            p.expect("REPORT: StreamServer on");
            p.send("EXIT");
            p.expect("EXITED");
            p.awaitExit(); // fails the test if the fork does not end within the timeout
        }
        String all = String.join("\n", out);
        long backoffReports = out.stream().filter(l -> l.contains("accept failed, backing off")).count();
        assertEquals(1, backoffReports, "reported once per episode:\n" + all);
        assertTrue(all.contains("Too many open files"), all);
        assertTrue(out.stream().anyMatch(l -> l.matches("REPORT: .*accepts again after [2-9]\\d* failed accept.*")
                || l.matches("REPORT: .*accepts again after \\d{2,} failed accept.*")), "retried with backoff:\n" + all);
    }

    private static String echo(InetSocketAddress a, String msg) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(a, 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(msg.getBytes());
            byte[] b = s.getInputStream().readNBytes(msg.length());
            return new String(b);
        }
    }
}
