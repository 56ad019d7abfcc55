package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The write timeout limits each stall, not the whole write (issue #9, item 7). */
class WriteTimeoutTest extends HubTestBase {

    @Test
    void eightMegabytesToASlowButSteadyReaderComplete() throws Exception {
        try (FiberServerSocket server = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            Task<Long> reader = Fibers.spawn(() -> {
                try (FiberSocket c = server.accept()) {
                    long total = 0;
                    ByteBuffer b = ByteBuffer.allocate(256 * 1024);
                    for (int n; (n = c.read(b.clear())) > 0; ) {
                        total += n;
                        Fibers.sleep(Duration.ofMillis(30)); // slow, but never still for 500 ms
                    }
                    return total;
                }
            });
            int size = 8 << 20;
            long start = System.nanoTime();
            try (FiberSocket w = FiberSocket.connect(server.localAddress(), Duration.ofSeconds(5))) {
                w.setWriteTimeout(Duration.ofMillis(500));
                w.write(ByteBuffer.allocate(size));
                w.shutdownOutput();
                assertEquals(size, reader.get(Duration.ofSeconds(30)));
            }
            assertTrue(System.nanoTime() - start > 500_000_000L, "the whole write took longer than one timeout");
        }
    }

    @Test
    void aReaderThatStopsStillTimesTheWriterOut() throws Exception {
        try (FiberServerSocket server = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            Task<Void> reader = Fibers.spawn(() -> {
                try (FiberSocket c = server.accept()) {
                    Fibers.sleep(Duration.ofSeconds(10)); // reads nothing
                }
            });
            try (FiberSocket w = FiberSocket.connect(server.localAddress(), Duration.ofSeconds(5))) {
                w.setWriteTimeout(Duration.ofMillis(200));
                assertThrows(SocketTimeoutException.class, () -> w.write(ByteBuffer.allocate(64 << 20)));
            }
            reader.kill();
        }
    }
}
