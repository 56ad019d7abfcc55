package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.testing.ForkedJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * FiberSocket's array reads and writes go through one direct buffer per platform thread
 * ({@link Scratch}), shared by every fiber of the hub: the bytes must arrive whole and in order
 * whatever the size (under, at and over the buffer's size), whoever else uses the buffer meanwhile,
 * and when the peer takes only part of a write (the rest waits in the caller's array, not in the
 * shared buffer). Virtual threads take the JDK's path.
 */
class ScratchTest extends HubTestBase {

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static void readFully(FiberSocket s, byte[] into) throws IOException {
        for (int got = 0; got < into.length; ) {
            int n = s.read(into, got, into.length - got);
            assertTrue(n > 0, "end of stream after " + got + " of " + into.length);
            got += n;
        }
    }

    @Test
    void theBufferIsOnlyForPlatformThreadsAndGrowsWithTheLargestTransfer() throws Exception {
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            ByteBuffer small = Scratch.of(100);
            int smallCap = small.capacity();
            ByteBuffer again = Scratch.of(4096);
            ByteBuffer bigger = Scratch.of(5000);
            ByteBuffer back = Scratch.of(10);
            ByteBuffer max = Scratch.of(Scratch.SIZE);
            seen.set(List.of(smallCap, again == small, bigger.capacity(), back == bigger, back.limit(),
                    max.capacity(), small.isDirect()));
        });
        t.join();
        // 4 KB to start, the same buffer while it is big enough, then the next power of two
        assertEquals(List.of(4096, true, 8192, true, 10, Scratch.SIZE, true), seen.get());
        assertThrows(IllegalArgumentException.class, () -> Scratch.of(Scratch.SIZE + 1));
        AtomicReference<Object> inVirtual = new AtomicReference<>("unset");
        Thread.ofVirtual().start(() -> inVirtual.set(Scratch.of(10))).join();
        assertNull(inVirtual.get());
    }

    /**
     * Where direct memory is short ({@code -XX:MaxDirectMemorySize} below the smallest buffer), a
     * thread takes the JDK's path instead: the sockets work as before. Forked, for the flag.
     */
    @Test
    void withoutDirectMemoryTheJdksPathServes() {
        ForkedJvm.Result r = ForkedJvm.main(ScratchNoDirectMemoryMain.class).exports()
                .jvmArgs("-XX:MaxDirectMemorySize=1k").timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("scratch: none; 100000 bytes echoed whole"), r.out());
    }

    @Test
    void sizesUnderAtAndOverTheBufferArriveWhole() throws Exception {
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            FiberSocket[] p = FiberSocketTest.pair(ss);
            for (int size : new int[] {1, 64, 1024, Scratch.SIZE - 1, Scratch.SIZE, Scratch.SIZE + 1, 3 * Scratch.SIZE + 7}) {
                byte[] sent = pattern(size, size);
                Task<Void> w = Fibers.spawn(() -> p[0].write(sent, 0, sent.length));
                byte[] got = new byte[size];
                readFully(p[1], got);
                w.get();
                assertArrayEquals(sent, got, "size " + size);
                // an offset and a length inside a larger array, both ways
                byte[] framed = new byte[size + 10];
                System.arraycopy(sent, 0, framed, 5, size);
                Task<Void> w2 = Fibers.spawn(() -> p[1].write(framed, 5, size));
                byte[] into = new byte[size + 10];
                for (int off = 3; off < 3 + size; ) {
                    int n = p[0].read(into, off, 3 + size - off);
                    assertTrue(n > 0);
                    off += n;
                }
                w2.get();
                assertArrayEquals(sent, Arrays.copyOfRange(into, 3, 3 + size), "offset, size " + size);
                assertEquals(0, into[2]);
                assertEquals(0, into[3 + size]);
            }
            // recv: an array of exactly what came
            p[0].write(pattern(100, 9));
            byte[] r = p[1].recv(1000);
            assertTrue(r.length > 0 && r.length <= 100);
            assertArrayEquals(Arrays.copyOf(pattern(100, 9), r.length), r);
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void aWriteThePeerTakesOnlyInPartGoesOnFromTheCallersArrayWhileOthersUseTheBuffer() throws Exception {
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            // small socket buffers on both ends, so that 8 MB cannot fit even where the kernel's
            // defaults are raised (the accepted socket takes the listener's receive buffer)
            ss.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            FiberSocket[] big = FiberSocketTest.pair(ss);
            big[0].setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            FiberSocket[] small = FiberSocketTest.pair(ss);
            int size = 8 << 20; // far more than both sockets' buffers: the writer must park
            byte[] sent = pattern(size, 3);
            Task<Void> writer = Fibers.spawn(() -> big[0].write(sent, 0, sent.length));
            Fibers.sleep(Duration.ofMillis(20)); // the writer is parked now, its peer reading nothing
            assertTrue(!writer.isReady(), "8 MB fit in the socket buffers: the test proves nothing");
            // meanwhile other fibers move bytes through the same thread's buffer
            int exchanges = 0;
            for (int i = 0; i < 200; i++) {
                byte[] m = pattern(64 + i, i);
                small[0].write(m);
                byte[] got = new byte[m.length];
                readFully(small[1], got);
                assertArrayEquals(m, got);
                exchanges++;
            }
            byte[] received = new byte[size];
            readFully(big[1], received);
            writer.get(Duration.ofSeconds(30));
            assertEquals(200, exchanges);
            assertArrayEquals(sent, received);
            for (FiberSocket s : List.of(big[0], big[1], small[0], small[1])) {
                s.close();
            }
        }
    }

    @Test
    void manyFibersInterleavedKeepTheirOwnBytes() throws Exception {
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            List<Task<Boolean>> tasks = new ArrayList<>();
            List<FiberSocket> all = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                FiberSocket[] p = FiberSocketTest.pair(ss);
                all.add(p[0]);
                all.add(p[1]);
                int seed = k;
                // an echo on one side, a checker on the other; every fiber parks often, so their
                // reads and writes interleave on the one buffer
                Fibers.spawn(() -> {
                    for (byte[] b; (b = p[1].recv(4096)).length > 0; ) {
                        p[1].write(b);
                    }
                    return null;
                });
                tasks.add(Fibers.spawn(() -> {
                    for (int i = 0; i < 50; i++) {
                        byte[] m = pattern(1 + (i * 97 + seed) % 3000, seed * 1000 + i);
                        p[0].write(m);
                        byte[] back = new byte[m.length];
                        readFully(p[0], back);
                        if (!Arrays.equals(m, back)) {
                            return false;
                        }
                    }
                    p[0].shutdownOutput();
                    return true;
                }));
            }
            for (Task<Boolean> t : tasks) {
                assertTrue(t.get(Duration.ofSeconds(30)));
            }
            for (FiberSocket s : all) {
                s.close();
            }
        }
    }

    @Test
    void inAVirtualThreadTheJdksPathMovesTheSameBytes() throws Exception {
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            FiberSocket[] p = FiberSocketTest.pair(ss);
            byte[] sent = pattern(100_000, 7);
            Task<Void> w = Fibers.spawn(() -> p[0].write(sent, 0, sent.length));
            byte[] got = new byte[sent.length];
            AtomicReference<Throwable> failed = new AtomicReference<>();
            // a hub virtual thread reads: FiberSocket works there, through the JDK's buffers
            Thread vt = hub.virtualThreadBuilder().start(() -> {
                try {
                    readFully(p[1], got);
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            while (vt.isAlive()) {
                Fibers.sleep(Duration.ofMillis(1));
            }
            w.get();
            assertNull(failed.get());
            assertArrayEquals(sent, got);
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void badBoundsAreRefusedBeforeAnyByteMoves() throws Exception {
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            FiberSocket[] p = FiberSocketTest.pair(ss);
            assertThrows(IndexOutOfBoundsException.class, () -> p[0].write(new byte[10], 5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> p[0].write(new byte[10], -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> p[1].read(new byte[10], 8, 3));
            p[0].write(new byte[] {42});
            byte[] one = new byte[1];
            assertEquals(1, p[1].read(one, 0, 1));
            assertEquals(42, one[0]); // nothing else was sent
            p[0].close();
            p[1].close();
        }
    }
}
