package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubGroup;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class StreamServerTest extends HubTestBase {
    private final List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());

    static void echoUpper(FiberSocket c) throws IOException {
        byte[] buf = new byte[1024];
        for (int n; (n = c.read(buf, 0, buf.length)) > 0; ) {
            c.write(new String(buf, 0, n).toUpperCase().getBytes(), 0, n);
        }
    }

    StreamServer server(StreamServer.Handler h) {
        return new StreamServer(new InetSocketAddress("127.0.0.1", 0), h)
                .setErrorHandler((what, e) -> serverErrors.add(what + ": " + e));
    }

    static String roundTrip(InetSocketAddress a, String msg) throws IOException {
        try (FiberSocket c = FiberSocket.connect(a, Duration.ofSeconds(5))) {
            c.write(msg.getBytes());
            byte[] buf = new byte[msg.length()];
            int got = 0;
            while (got < buf.length) {
                int n = c.read(buf, got, buf.length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
            return new String(buf, 0, got);
        }
    }

    @Test
    void servesManyClientsConcurrentlyAndClosesTheirSockets() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).start();
        List<Task<String>> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            clients.add(Fibers.spawn(() -> roundTrip(s.address(), "client " + n)));
        }
        for (int i = 0; i < 50; i++) {
            assertEquals("CLIENT " + i, clients.get(i).get());
        }
        Fibers.sleep(10);
        assertEquals(0, s.activeConnections(), "each handler ended when its client closed");
        assertEquals(50, s.acceptedCount());
        s.stop(Duration.ofSeconds(1));
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void handlerThatThrowsIsReportedOnceAndServerKeepsServing() throws Exception {
        StreamServer s = server(c -> {
            byte[] b = new byte[16];
            int n = c.read(b, 0, b.length);
            if (new String(b, 0, n).equals("boom")) {
                throw new IllegalStateException("handler bug");
            }
            c.write(b, 0, n);
        }).start();
        assertEquals("", roundTrip(s.address(), "boom"), "the failing handler's socket was closed");
        assertEquals("fine", roundTrip(s.address(), "fine"));
        assertEquals(1, serverErrors.size(), serverErrors.toString());
        assertTrue(serverErrors.get(0).contains("handler bug"));
        s.close();
    }

    @Test
    void clientThatResetsMidMessageDoesNotHurtTheServer() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).start();
        FiberSocket c = FiberSocket.connect(s.address(), Duration.ofSeconds(5));
        c.setOption(StandardSocketOptions.SO_LINGER, 0); // close sends RST
        c.write("half a mess".getBytes());
        Fibers.sleep(10);
        c.close();
        Fibers.sleep(20);
        assertEquals("STILL HERE", roundTrip(s.address(), "still here"));
        assertTrue(serverErrors.size() <= 1, serverErrors.toString()); // a reset handler may report "Connection reset" once
        s.close();
    }

    @Test
    void clientThatHalfClosesGetsItsAnswers() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).start();
        try (FiberSocket c = FiberSocket.connect(s.address(), Duration.ofSeconds(5))) {
            c.write("abc".getBytes());
            c.shutdownOutput();
            byte[] buf = new byte[16];
            StringBuilder got = new StringBuilder();
            for (int n; (n = c.read(buf, 0, buf.length)) > 0; ) {
                got.append(new String(buf, 0, n));
            }
            assertEquals("ABC", got.toString(), "echo, then end of stream when the handler returns");
        }
        s.close();
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void idleClientIsClosedByTheReadTimeout() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).readTimeout(Duration.ofMillis(100)).start();
        try (FiberSocket idle = FiberSocket.connect(s.address(), Duration.ofSeconds(5))) {
            long start = System.nanoTime();
            assertEquals(-1, idle.read(new byte[1], 0, 1), "the server closed the idle connection");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 90 && ms < 3000, "closed after " + ms + " ms");
        }
        assertEquals(0, s.activeConnections());
        assertTrue(serverErrors.isEmpty(), "an idle close is not an error: " + serverErrors);
        s.close();
    }

    @Test
    void maxConnectionsPausesAccepting() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).maxConnections(2).start();
        FiberSocket a = FiberSocket.connect(s.address(), Duration.ofSeconds(5));
        FiberSocket b = FiberSocket.connect(s.address(), Duration.ofSeconds(5));
        Task<String> third = Fibers.spawn(() -> roundTrip(s.address(), "third"));
        Fibers.sleep(50);
        assertEquals(2, s.activeConnections());
        assertTrue(!third.isReady(), "the third waits in the backlog while the pool is full");
        a.close();
        assertEquals("THIRD", third.get(Duration.ofSeconds(5)));
        b.close();
        s.close();
    }

    @Test
    void stopWaitsForHandlersThenKillsTheRest() throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        StreamServer s = server(c -> {
            try {
                c.read(new byte[1], 0, 1); // waits for ever: the client sends nothing
            } finally {
                events.add("handler finally");
            }
        }).start();
        FiberSocket c = FiberSocket.connect(s.address(), Duration.ofSeconds(5));
        Fibers.sleep(20);
        long start = System.nanoTime();
        s.stop(Duration.ofMillis(100));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 90, "waited for the handler first: " + ms + " ms");
        assertEquals(List.of("handler finally"), events);
        assertEquals(-1, c.read(new byte[1], 0, 1), "the killed handler's socket was closed");
        c.close();
    }

    @Test
    void serveForeverReturnsAfterStop() throws Exception {
        StreamServer s = server(StreamServerTest::echoUpper).start();
        Fibers.spawn(() -> {
            Fibers.sleep(30);
            s.stop(Duration.ofSeconds(1));
        });
        long start = System.nanoTime();
        s.serveForever();
        assertTrue(System.nanoTime() - start >= 25_000_000L);
    }

    @Test
    void spreadsConnectionsOverAHubGroup() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (HubGroup g = new HubGroup(2, "echo-hub-")) {
            StreamServer s = server(c -> {
                threads.add(Thread.currentThread().getName());
                echoUpper(c);
            }).spreadOver(g).start();
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clients.add(Fibers.spawn(() -> roundTrip(s.address(), "spread")));
            }
            for (Task<String> t : clients) {
                assertEquals("SPREAD", t.get());
            }
            s.stop(Duration.ofSeconds(1));
        }
        assertEquals(Set.of("echo-hub-0", "echo-hub-1"), threads);
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }
}
