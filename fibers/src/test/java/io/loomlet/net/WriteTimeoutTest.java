package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The write timeout limits each stall, not the whole write (issue #9, item 7): for a buffer, and for
 * an array (which goes through the thread's Scratch buffer piece by piece, waiting between pieces).
 */
class WriteTimeoutTest extends HubTestBase {

    private static void write(FiberSocket w, int size, boolean array) throws IOException {
        if (array) {
            w.write(new byte[size], 0, size);
        } else {
            w.write(ByteBuffer.allocate(size));
        }
    }

    @ParameterizedTest(name = "array: {0}")
    @ValueSource(booleans = {false, true})
    void eightMegabytesToASlowButSteadyReaderComplete(boolean array) throws Exception {
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
                write(w, size, array);
                w.shutdownOutput();
                assertEquals(size, reader.get(Duration.ofSeconds(30)));
            }
            assertTrue(System.nanoTime() - start > 500_000_000L, "the whole write took longer than one timeout");
        }
    }

    @ParameterizedTest(name = "array: {0}")
    @ValueSource(booleans = {false, true})
    void aReaderThatStopsStillTimesTheWriterOut(boolean array) throws Exception {
        try (FiberServerSocket server = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            Task<Void> reader = Fibers.spawn(() -> {
                try (FiberSocket c = server.accept()) {
                    Fibers.sleep(Duration.ofSeconds(10)); // reads nothing
                }
            });
            try (FiberSocket w = FiberSocket.connect(server.localAddress(), Duration.ofSeconds(5))) {
                w.setWriteTimeout(Duration.ofMillis(200));
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> write(w, 64 << 20, array));
                assertTrue(e.getMessage().contains("bytes unsent"), e.getMessage());
            }
            reader.kill();
        }
    }
}
