package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.FiberExit;
import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.testing.Switches;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every cooperative socket does, written once and run on each variant: the FiberSocket API,
 * and java.net.Socket/ServerSocket over FiberSocketImpl (what the monkey patch installs). Each test
 * shows, with Switches, that other fibers ran while a socket call waited (read before any join).
 */
class SocketContractTest extends HubTestBase {

    /** A connection, seen through the variant's own API. */
    interface Conn extends Closeable {
        void write(byte[] b) throws IOException;

        int read(byte[] b) throws IOException;

        void shutdownOutput() throws IOException;

        void readTimeout(int millis) throws IOException;
    }

    interface Listener extends Closeable {
        InetSocketAddress address() throws IOException;

        Conn accept() throws IOException;
    }

    interface Variant {
        Listener listen() throws IOException;

        Conn connect(InetSocketAddress a) throws IOException;
    }

    static Stream<Variant> variants() {
        return Stream.of(new FiberVariant(), new ImplVariant());
    }

    static final class FiberVariant implements Variant {
        public Listener listen() throws IOException {
            FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0));
            return new Listener() {
                public InetSocketAddress address() throws IOException { return ss.localAddress(); }
                public Conn accept() throws IOException { return wrap(ss.accept()); }
                public void close() throws IOException { ss.close(); }
            };
        }

        public Conn connect(InetSocketAddress a) throws IOException {
            return wrap(FiberSocket.connect(a, Duration.ofSeconds(5)));
        }

        static Conn wrap(FiberSocket s) {
            return new Conn() {
                public void write(byte[] b) throws IOException { s.write(b); }
                public int read(byte[] b) throws IOException { return s.read(b, 0, b.length); }
                public void shutdownOutput() throws IOException { s.shutdownOutput(); }
                public void readTimeout(int ms) { s.setReadTimeout(Duration.ofMillis(ms)); }
                public void close() throws IOException { s.close(); }
            };
        }

        @Override
        public String toString() {
            return "FiberSocket";
        }
    }

    static final class ImplVariant implements Variant {
        public Listener listen() throws IOException {
            ServerSocket ss = new ServerSocket(new FiberSocketImpl(true)) {
                @Override
                public Socket accept() throws IOException {
                    Socket c = new Socket(new FiberSocketImpl(false)) { };
                    implAccept(c);
                    return c;
                }
            };
            ss.bind(new InetSocketAddress("127.0.0.1", 0));
            return new Listener() {
                public InetSocketAddress address() { return (InetSocketAddress) ss.getLocalSocketAddress(); }
                public Conn accept() throws IOException { return wrap(ss.accept()); }
                public void close() throws IOException { ss.close(); }
            };
        }

        public Conn connect(InetSocketAddress a) throws IOException {
            Socket s = new Socket(new FiberSocketImpl(false)) { };
            s.connect(a, 5000);
            return wrap(s);
        }

        static Conn wrap(Socket s) throws IOException {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            return new Conn() {
                public void write(byte[] b) throws IOException { out.write(b); }
                public int read(byte[] b) throws IOException { return in.read(b); }
                public void shutdownOutput() throws IOException { s.shutdownOutput(); }
                public void readTimeout(int ms) throws IOException { s.setSoTimeout(ms); }
                public void close() throws IOException { s.close(); }
            };
        }

        @Override
        public String toString() {
            return "java.net.Socket over FiberSocketImpl";
        }
    }

    static byte[] readAll(Conn c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = c.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void echoRoundTripWhileOtherFibersRun(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Void> server = Fibers.spawn(() -> {
                try (Conn c = l.accept()) {
                    byte[] buf = new byte[64];
                    int n = c.read(buf);
                    c.write(new String(buf, 0, n).toUpperCase().getBytes());
                }
            });
            String echo = Switches.assertOthersRan(() -> {
                try (Conn c = v.connect(l.address())) {
                    c.write("hello".getBytes());
                    byte[] buf = new byte[64];
                    int n = c.read(buf); // parks until the server fiber has read and answered
                    return new String(buf, 0, n);
                }
            });
            assertEquals("HELLO", echo);
            server.get();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void largeWritesArriveWholeThroughPartialReads(Variant v) throws Exception {
        byte[] data = new byte[4 << 20];
        new Random(1).nextBytes(data);
        try (Listener l = v.listen()) {
            Task<byte[]> receiver = Fibers.spawn(() -> {
                try (Conn c = l.accept()) {
                    return readAll(c);
                }
            });
            try (Conn c = v.connect(l.address())) {
                // 4 MiB: far more than the socket buffers, so this parks many times
                Switches.assertOthersRan(() -> c.write(data));
            }
            assertArrayEquals(data, receiver.get());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void halfCloseLetsThePeerFinishAndAnswer(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Void> server = Fibers.spawn(() -> {
                try (Conn c = l.accept()) {
                    byte[] all = readAll(c); // ends when the client shuts its output
                    c.write(("got " + all.length).getBytes());
                }
            });
            try (Conn c = v.connect(l.address())) {
                c.write(new byte[1000]);
                c.shutdownOutput();
                byte[] answer = Switches.assertOthersRan(() -> readAll(c)); // parks until the server answers
                assertEquals("got 1000", new String(answer));
            }
            server.get();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void readTimeoutRaisesAndTheSocketStaysUsable(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            io.loomlet.sync.Event timedOut = new io.loomlet.sync.Event();
            Task<Void> server = Fibers.spawn(() -> {
                try (Conn c = l.accept()) {
                    // writes only after the client's first read timed out, however late that came on a
                    // loaded machine, so the second read surely waits
                    timedOut.await();
                    Fibers.sleep(50);
                    c.write("late".getBytes());
                    Fibers.sleep(50);
                }
            });
            try (Conn c = v.connect(l.address())) {
                c.readTimeout(30);
                long start = System.nanoTime();
                Switches.assertOthersRan(2, () -> assertThrows(SocketTimeoutException.class, () -> c.read(new byte[10])));
                assertTrue(System.nanoTime() - start >= 30_000_000L);
                timedOut.set();
                c.readTimeout(2000);
                byte[] buf = new byte[10];
                int n = Switches.assertOthersRan(() -> c.read(buf)); // the server writes 50 ms later
                assertEquals("late", new String(buf, 0, n));
            }
            server.get();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void closeWakesTheFiberParkedInRead(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Conn> accepted = Fibers.spawn(l::accept);
            Conn c = v.connect(l.address());
            Conn server = accepted.get();
            Task<Integer> reader = Fibers.spawn(() -> c.read(new byte[10]));
            Fibers.sleep(10);
            assertTrue(!reader.isReady(), "parked in read");
            c.close();
            Throwable e = assertThrows(CompletionException.class, reader::get).getCause();
            assertTrue(e instanceof SocketException, e.toString());
            assertTrue(e.getMessage().toLowerCase().contains("closed"), e.getMessage());
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void killWakesTheFiberParkedInRead(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Conn> accepted = Fibers.spawn(l::accept);
            try (Conn c = v.connect(l.address()); Conn server = accepted.get()) {
                Trace t = new Trace();
                Task<Integer> reader = Fibers.spawn(() -> {
                    try {
                        return c.read(new byte[10]);
                    } finally {
                        t.add("reader finally");
                    }
                });
                Fibers.sleep(10);
                reader.kill();
                assertTrue(reader.isKilled());
                assertEquals("reader finally", t.toString());
                // the socket still works: the next read gets the data
                server.write("after kill".getBytes());
                byte[] buf = new byte[20];
                assertEquals("after kill", new String(buf, 0, c.read(buf)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void peerThatReadsNothingParksOnlyTheWriter(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Conn> accepted = Fibers.spawn(l::accept);
            try (Conn c = v.connect(l.address()); Conn lazy = accepted.get()) {
                long[] written = {0};
                Task<Void> writer = Fibers.spawn(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 256; i++) { // 16 MiB: the buffers fill long before
                        c.write(chunk);
                        written[0] += chunk.length;
                    }
                });
                Trace t = new Trace();
                for (int i = 0; i < 5; i++) {
                    Fibers.sleep(10);
                    t.add("ran");
                }
                assertEquals("ran ran ran ran ran", t.toString());
                assertTrue(!writer.isReady() && written[0] < 16L << 20, "the writer is parked on a full buffer");
                long total = 0;
                byte[] buf = new byte[1 << 16];
                while (total < 16L << 20) {
                    total += lazy.read(buf);
                }
                writer.get();
                assertEquals(16L << 20, total);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void worksFromTheRootWithNoFibers(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Void> echo = Fibers.spawn(() -> {
                try (Conn c = l.accept()) {
                    c.write(readAll(c));
                }
            });
            byte[] got = Switches.assertOthersRan(() -> {
                try (Conn c = v.connect(l.address())) { // connect, write, read: all from the root
                    c.write("root".getBytes());
                    c.shutdownOutput();
                    return readAll(c); // parks: the echo fiber must run to answer
                }
            });
            assertEquals("root", new String(got));
            echo.get();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void killedClientFiberIsNotLeaked(Variant v) throws Exception {
        try (Listener l = v.listen()) {
            Task<Conn> accepted = Fibers.spawn(l::accept);
            Task<Void> client = Fibers.spawn(() -> {
                try (Conn c = v.connect(l.address())) {
                    c.read(new byte[1]);
                }
            });
            Conn s = accepted.get();
            Fibers.sleep(10);
            assertFalse(client.isReady(), "the client fiber is parked in read");
            // the kill resumes the parked fiber to run its finally (a switch), and waits for it
            Switches.assertSwitched(() -> client.kill(new FiberExit(), true, null));
            assertTrue(client.isKilled());
            assertEquals(-1, s.read(new byte[1]), "the killed client's socket was closed by its finally");
            s.close();
        }
    }
}
