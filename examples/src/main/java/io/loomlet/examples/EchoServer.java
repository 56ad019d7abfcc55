package io.loomlet.examples;

import io.loomlet.Hub;
import io.loomlet.net.FiberSocket;
import io.loomlet.net.StreamServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Seed 003's single-threaded concurrent socket server, as a StreamServer program:
 *
 * <pre>
 * def talk(conn, addr):
 *     while True:
 *         res = conn.recv(1024)
 *         if not res: continue
 *         conn.send(res.upper())
 * ...
 *     conn, addr = s.accept()
 *     gevent.spawn(talk, conn, addr)
 * </pre>
 *
 * One fiber per client, all on one thread. Where the seed loops forever on an empty read (a closed
 * client), this handler returns, and StreamServer closes the socket.
 *
 * <p>{@code ./loomlet example EchoServer [port]} (default 8080); Ctrl-C stops it.
 */
public final class EchoServer {
    /**
     * The seed's talk(): {@code recv(1024)}, send it back upper-cased, until the client closes.
     * {@link FiberSocket#recv} is gevent's: it returns a new array of exactly what came, made only
     * once bytes are there, so a handler waiting for its client holds no buffer.
     */
    public static void talk(FiberSocket conn) throws IOException {
        for (byte[] res; (res = conn.recv(1024)).length > 0; ) {
            for (int i = 0; i < res.length; i++) {
                byte b = res[i];
                if (b >= 'a' && b <= 'z') {
                    res[i] = (byte) (b - 32);
                }
            }
            conn.write(res);
        }
    }

    /** A started server on {@code port} (0: any free port) of 127.0.0.1. */
    public static StreamServer start(int port) throws IOException {
        return new StreamServer(new InetSocketAddress("127.0.0.1", port), EchoServer::talk).start();
    }

    /** Makes and starts a server (on the thread that will serve it). */
    @FunctionalInterface
    public interface Starter {
        StreamServer start() throws Exception;
    }

    /** A server and the thread whose hub serves it. */
    public record Serving(StreamServer server, Thread thread) {
    }

    /**
     * Starts a server on a new thread whose hub serves it until {@link StreamServer#stop}, then
     * closes that hub; returns once it listens.
     */
    public static Serving onOwnThread(String threadName, Starter starter) throws Exception {
        CompletableFuture<StreamServer> started = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                StreamServer s = starter.start();
                started.complete(s);
                s.serveForever();
            } catch (Throwable e) {
                started.completeExceptionally(e);
            } finally {
                Hub.current().close();
            }
        }, threadName);
        t.start();
        return new Serving(started.get(), t);
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        StreamServer server = start(port);
        System.out.println("upper-casing echo server on " + server.address() + " (one thread, one fiber per client)");
        server.serveForever();
    }
}
