package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** StreamServer's default error handler: one line for a client that went away, a stack for a bug (#9). */
class StreamServerErrorsTest extends HubTestBase {

    @Test
    void aResetClientIsOneLineAndAHandlerBugGetsItsStack() throws Exception {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), c -> {
                byte[] b = new byte[16];
                int n = c.read(b, 0, b.length);
                if (n > 0 && b[0] == 'b') {
                    throw new IllegalStateException("a real handler bug");
                }
                byte[] big = new byte[1 << 20];
                for (int i = 0; i < 64; i++) {
                    c.write(big); // the client resets meanwhile: Connection reset or Broken pipe
                }
            }).start();
            FiberSocket reset = FiberSocket.connect(server.address(), Duration.ofSeconds(5));
            reset.setOption(StandardSocketOptions.SO_LINGER, 0);
            reset.write("hello".getBytes(StandardCharsets.UTF_8));
            Fibers.sleep(Duration.ofMillis(50));
            reset.close(); // SO_LINGER 0: an RST, not a FIN
            FiberSocket buggy = FiberSocket.connect(server.address(), Duration.ofSeconds(5));
            buggy.write("bug".getBytes(StandardCharsets.UTF_8));
            Fibers.sleep(Duration.ofMillis(200));
            buggy.close();
            server.stop(Duration.ofSeconds(1));
        } finally {
            System.setErr(oldErr);
        }
        String out = err.toString(StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        long goneLines = Arrays.stream(lines).filter(l -> l.contains("the client went away")).count();
        assertEquals(1, goneLines, out);
        assertTrue(out.contains("a real handler bug") && out.contains("\tat "), "the bug has its stack:\n" + out);
        int gone = out.indexOf("the client went away");
        assertFalse(out.substring(gone, out.indexOf('\n', gone) + 1).contains("\tat "), out);
    }
}
