package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Accept with file descriptors exhausted: the server backs off (reporting once), then recovers when
 * descriptors are free again. In a forked JVM with {@code ulimit -n 256}, so the rest of the suite is
 * untouched. The clients here are plain blocking sockets in this JVM.
 */
class AcceptBackoffTest {

    @Test
    void backsOffThenRecovers() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of("bash", "-c", "ulimit -n 256 && exec \"$@\"", "bash", java,
                "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                AcceptBackoffMain.class.getName())).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream cmd = p.getOutputStream()) {
            int port = Integer.parseInt(expect(r, out, "PORT ").substring(5));
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", port);
            assertEquals("WARM", echo(a, "warm")); // load every class the server needs before the table fills

            send(cmd, "FILL");
            expect(r, out, "FULL ");
            List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                s.connect(a, 5000); // the kernel completes it; the server cannot accept it
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("c" + i).getBytes());
                clients.add(s);
            }
            expect(r, out, "REPORT: StreamServer on");
            Thread.sleep(300); // several failed accepts, backing off
            send(cmd, "RELEASE");
            expect(r, out, "RELEASED");
            for (int i = 0; i < 3; i++) {
                byte[] b = new byte[2];
                int n = clients.get(i).getInputStream().readNBytes(b, 0, 2);
                assertEquals("C" + i, new String(b, 0, n), "served after recovery");
                clients.get(i).close();
            }
            expect(r, out, "REPORT: StreamServer on");
            send(cmd, "EXIT");
            expect(r, out, "EXITED");
        } finally {
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the forked JVM ended");
            p.destroyForcibly();
        }
        String all = String.join("\n", out);
        long backoffReports = out.stream().filter(l -> l.contains("accept failed, backing off")).count();
        assertEquals(1, backoffReports, "reported once per episode:\n" + all);
        assertTrue(all.contains("Too many open files"), all);
        assertTrue(out.stream().anyMatch(l -> l.matches("REPORT: .*accepts again after [2-9]\\d* failed accept.*")
                || l.matches("REPORT: .*accepts again after \\d{2,} failed accept.*")), "retried with backoff:\n" + all);
    }

    private static void send(OutputStream cmd, String line) throws IOException {
        cmd.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        cmd.flush();
    }

    private static String expect(BufferedReader r, List<String> out, String prefix) throws IOException {
        for (String line; (line = r.readLine()) != null; ) {
            out.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("forked JVM ended before '" + prefix + "':\n" + String.join("\n", out));
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
