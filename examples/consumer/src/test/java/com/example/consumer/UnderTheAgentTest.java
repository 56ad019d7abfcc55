package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs in the test JVM started with {@code -javaagent:target/agent/loomlet-agent.jar=all,thread} (the
 * surefire execution "under-the-agent"): blocking {@code Thread.sleep} and {@code java.net.Socket}
 * calls in fibers park only their fiber, and plain threads a test starts are virtual threads of a hub.
 */
class UnderTheAgentTest {

    @Test
    void plainThreadsATestStartsAreVirtualThreadsOfAHub() throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(100);
        java.util.Set<Boolean> virtual = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 100; i++) {
            new Thread(() -> {
                virtual.add(Thread.currentThread().isVirtual());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                done.countDown();
            }).start();
        }
        assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(java.util.Set.of(true), virtual);
    }

    @Test
    void threadSleepInFibersIsTheHubsSleep() {
        long start = System.nanoTime();
        List<Task<Void>> naps = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            naps.add(Fibers.spawn(() -> Thread.sleep(300)));
        }
        Fibers.joinAll(naps, null, true);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 1_500, "20 sleeps of 300 ms on one thread overlapped: " + ms + " ms");
    }

    @Test
    void plainSocketsInFibersParkOnlyTheirFiber() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Task<Void> echo = Fibers.spawn(() -> {
                for (int i = 0; i < 10; i++) {
                    Socket c = server.accept();
                    Fibers.spawn(() -> {
                        try (c) {
                            InputStream in = c.getInputStream();
                            OutputStream out = c.getOutputStream();
                            out.write(in.readNBytes(5));
                        }
                    });
                }
            });
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String msg = "hi-" + i + "!";
                clients.add(Fibers.spawn(() -> {
                    try (Socket s = new Socket(server.getInetAddress(), server.getLocalPort())) {
                        s.getOutputStream().write(msg.getBytes(StandardCharsets.US_ASCII));
                        return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
                    }
                }));
            }
            Fibers.joinAll(clients, null, true);
            for (int i = 0; i < 10; i++) {
                assertEquals("hi-" + i + "!", clients.get(i).get());
            }
            echo.join();
        }
    }
}
