package io.loomlet.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import io.loomlet.testing.Switches;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #9.6: StreamServer's lifecycle as gevent's: isStarted after stop, a restart, stopAccepting and
 * startAccepting, and stop(timeout) from one of its own handlers. Over loopback.
 */
class StreamServerLifecycleTest extends HubTestBase {
    private final List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());

    private StreamServer server(InetSocketAddress at, StreamServer.Handler h) {
        return new StreamServer(at, h).setErrorHandler((what, e) -> serverErrors.add(what + ": " + e));
    }

    private static InetSocketAddress anyPort() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    /** Reads until {@code n} bytes or the end; what was read. */
    private static String read(FiberSocket c, int n) throws IOException {
        byte[] buf = new byte[n];
        int got = 0;
        while (got < n) {
            int r = c.read(buf, got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return new String(buf, 0, got);
    }

    private static String roundTrip(InetSocketAddress a, String msg) throws IOException {
        try (FiberSocket c = FiberSocket.connect(a, Duration.ofSeconds(5))) {
            c.write(msg.getBytes());
            return read(c, msg.length());
        }
    }

    @Test
    void isStartedIsFalseAfterStopAndAStoppedServerStartsAgain() throws Exception {
        StreamServer s = server(anyPort(), StreamServerTest::echoUpper);
        assertFalse(s.isStarted());
        s.start();
        assertTrue(s.isStarted());
        assertTrue(s.isAccepting());
        assertEquals("ONE", roundTrip(s.address(), "one"));
        assertEquals("the server is already started", assertThrows(IllegalStateException.class, s::start).getMessage());
        assertThrows(IllegalStateException.class, () -> s.maxConnections(3), "options only before start");
        s.stop(Duration.ofSeconds(1));
        assertFalse(s.isStarted(), "stopped");
        assertFalse(s.isAccepting());
        s.stop(Duration.ofSeconds(1)); // again: nothing to do
        s.maxConnections(3); // a stopped server takes options again
        s.start();
        assertTrue(s.isStarted());
        assertEquals("TWO", roundTrip(s.address(), "two"), "the restarted server serves (port 0: a new port)");
        s.stop(Duration.ofSeconds(1));
        assertFalse(s.isStarted());
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void aServerOnAFixedPortStartsAgainOnThatPort() throws Exception {
        StreamServer probe = server(anyPort(), StreamServerTest::echoUpper).start();
        int port = probe.address().getPort();
        probe.stop(Duration.ofSeconds(1));
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", port);
        StreamServer s = server(at, StreamServerTest::echoUpper);
        for (int run = 0; run < 3; run++) {
            s.start();
            assertEquals(port, s.address().getPort());
            assertEquals("RUN " + run, roundTrip(at, "run " + run));
            s.stop(Duration.ofSeconds(1));
            assertThrows(ConnectException.class, () -> FiberSocket.connect(at, Duration.ofSeconds(5)).close(),
                    "nothing listens once stopped");
        }
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void stopAcceptingPausesAndStartAcceptingResumes() throws Exception {
        StreamServer s = server(anyPort(), StreamServerTest::echoUpper).start();
        InetSocketAddress at = s.address();
        assertEquals("BEFORE", roundTrip(at, "before"));
        Switches.assertOthersRan(s::stopAccepting);
        assertFalse(s.isAccepting());
        assertTrue(s.isStarted(), "paused, not stopped");
        s.stopAccepting(); // again: nothing to do
        // the listening socket stays open: a client connects (the backlog) but nobody serves it
        FiberSocket waiting = FiberSocket.connect(at, Duration.ofSeconds(5));
        waiting.write("queued".getBytes());
        waiting.setReadTimeout(Duration.ofMillis(100));
        assertThrows(SocketTimeoutException.class, () -> waiting.read(new byte[6], 0, 6));
        assertEquals(0, s.activeConnections());
        s.startAccepting();
        s.startAccepting(); // again: nothing to do
        assertTrue(s.isAccepting());
        waiting.setReadTimeout(Duration.ofSeconds(5));
        assertEquals("QUEUED", read(waiting, 6), "the client that waited in the backlog is served");
        waiting.close();
        assertEquals("AFTER", roundTrip(at, "after"));
        assertEquals(3, s.acceptedCount());
        s.stop(Duration.ofSeconds(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, s::startAccepting);
        assertEquals("the server is not started: call start()", e.getMessage());
        s.stopAccepting(); // stopped: nothing to do
        StreamServer never = server(anyPort(), StreamServerTest::echoUpper);
        assertThrows(IllegalStateException.class, never::startAccepting);
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void serveForeverWaitsForStopNotForAPause() throws Exception {
        StreamServer s = server(anyPort(), StreamServerTest::echoUpper);
        Task<Void> serving = Fibers.spawn(() -> {
            s.serveForever();
        });
        Fibers.sleep(10);
        assertTrue(s.isStarted(), "serveForever started it");
        s.stopAccepting();
        Fibers.sleep(20);
        assertFalse(serving.isReady(), "a pause does not end serveForever");
        s.stop(Duration.ofSeconds(1));
        assertTrue(serving.join(Duration.ofSeconds(5)));
        assertTrue(serving.isSuccessful());
    }

    @Test
    void stopFromOneOfItsHandlersLetsItFinishAndEndsTheOthers() throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        StreamServer[] self = {null};
        StreamServer s = server(anyPort(), c -> {
            String cmd = read(c, 4);
            if (cmd.equals("stop")) {
                long start = System.nanoTime();
                self[0].stop(Duration.ofMillis(100));
                events.add("stop returned after " + ((System.nanoTime() - start) / 1_000_000 >= 90 ? "the grace" : "less"));
                Fibers.sleep(20); // still a live handler: it may block, it is not killed
                c.write("bye!".getBytes());
                events.add("stopper replied");
            } else {
                try {
                    c.read(new byte[1], 0, 1); // waits for ever: killed once the grace period ends
                } finally {
                    events.add("other ended");
                }
            }
        });
        self[0] = s;
        s.start();
        InetSocketAddress at = s.address();
        FiberSocket other = FiberSocket.connect(at, Duration.ofSeconds(5));
        other.write("wait".getBytes());
        Fibers.sleep(20);
        assertEquals(1, s.activeConnections());
        FiberSocket stopper = FiberSocket.connect(at, Duration.ofSeconds(5));
        stopper.write("stop".getBytes());
        stopper.setReadTimeout(Duration.ofSeconds(5));
        assertEquals("bye!", read(stopper, 4), "the handler that called stop sent its reply");
        assertEquals(-1, stopper.read(new byte[1], 0, 1), "then its socket was closed");
        other.setReadTimeout(Duration.ofSeconds(5));
        assertEquals(-1, other.read(new byte[1], 0, 1), "the other handler was ended and its socket closed");
        assertEquals(List.of("other ended", "stop returned after the grace", "stopper replied"), events);
        assertFalse(s.isStarted());
        assertThrows(ConnectException.class, () -> FiberSocket.connect(at, Duration.ofSeconds(5)).close());
        Fibers.sleep(10);
        assertEquals(0, s.activeConnections());
        stopper.close();
        other.close();
        assertTrue(serverErrors.isEmpty(), serverErrors.toString());
    }

    @Test
    void stopRefusesANegativeTimeout() throws Exception {
        StreamServer s = server(anyPort(), StreamServerTest::echoUpper).start();
        assertThrows(IllegalArgumentException.class, () -> s.stop(Duration.ofMillis(-1)));
        assertTrue(s.isStarted(), "a refused stop leaves the server running");
        s.stop(null);
        assertFalse(s.isStarted());
    }
}
