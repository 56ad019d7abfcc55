package io.loomlet.examples;

import io.loomlet.net.FiberSocket;
import io.loomlet.net.StreamServer;
import java.io.IOException;
import java.net.InetSocketAddress;

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
    /** The seed's talk(): read up to 1024 bytes, send them back upper-cased, until the client closes. */
    public static void talk(FiberSocket conn) throws IOException {
        byte[] buf = new byte[1024];
        for (int n; (n = conn.read(buf, 0, buf.length)) > 0; ) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b >= 'a' && b <= 'z') {
                    buf[i] = (byte) (b - 32);
                }
            }
            conn.write(buf, 0, n);
        }
    }

    /** A started server on {@code port} (0: any free port) of 127.0.0.1. */
    public static StreamServer start(int port) throws IOException {
        return new StreamServer(new InetSocketAddress("127.0.0.1", port), EchoServer::talk).start();
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        StreamServer server = start(port);
        System.out.println("upper-casing echo server on " + server.address() + " (one thread, one fiber per client)");
        server.serveForever();
    }
}
