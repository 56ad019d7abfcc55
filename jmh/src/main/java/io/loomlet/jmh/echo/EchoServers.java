package io.loomlet.jmh.echo;

import io.loomlet.HubGroup;
import io.loomlet.net.FiberSocket;
import io.loomlet.net.StreamServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The upper-casing echo server of the seeds, five ways, for the echo harnesses (each in its own JVM):
 * {@code hub} (StreamServer on one hub), {@code hubgroup2} (accepting on one hub, handlers on a
 * HubGroup of 2), {@code nio} (a bare single-thread NIO selector loop: the baseline), {@code vthreads}
 * and {@code threads} (ServerSocket and a thread per connection). {@code vthreads1} is
 * {@code vthreads} on one carrier: the JVM must be started with {@link #ONE_CARRIER}'s flags, which it
 * checks. Prints "listening on port P".
 */
public final class EchoServers {
    /** The JDK scheduler of virtual threads with one carrier thread, never more (for {@code vthreads1}). */
    public static final String[] ONE_CARRIER = {"-Djdk.virtualThreadScheduler.parallelism=1",
        "-Djdk.virtualThreadScheduler.maxPoolSize=1"};

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        switch (kind) {
            case "hub" -> {
                StreamServer s = new StreamServer(new InetSocketAddress("127.0.0.1", 0), EchoServers::talk).start();
                ready(s.address().getPort());
                s.serveForever();
            }
            case "hubgroup2" -> {
                HubGroup g = new HubGroup(2);
                StreamServer s = new StreamServer(new InetSocketAddress("127.0.0.1", 0), EchoServers::talk)
                        .spreadOver(g).start();
                ready(s.address().getPort());
                s.serveForever();
            }
            case "nio" -> nio();
            case "vthreads" -> threadPerConnection(true);
            case "vthreads1" -> {
                for (String flag : ONE_CARRIER) {
                    String[] kv = flag.substring(2).split("=");
                    if (!kv[1].equals(System.getProperty(kv[0]))) {
                        throw new IllegalStateException("vthreads1 needs " + String.join(" ", ONE_CARRIER));
                    }
                }
                threadPerConnection(true);
            }
            case "threads" -> threadPerConnection(false);
            default -> throw new IllegalArgumentException("kind: hub, hubgroup2, nio, vthreads, vthreads1, threads");
        }
    }

    static void ready(int port) {
        System.out.println("listening on port " + port);
        System.out.flush();
    }

    /** The seed's talk() as the examples' EchoServer has it: read up to 1024 bytes, send them back upper-cased. */
    static void talk(FiberSocket conn) throws IOException {
        byte[] buf = new byte[1024];
        for (int n; (n = conn.read(buf, 0, buf.length)) > 0; ) {
            upper(buf, 0, n);
            conn.write(buf, 0, n);
        }
    }

    /**
     * The same echo as gevent writes it ({@code data = conn.recv(1024)}): {@link FiberSocket#recv}
     * makes the array only once bytes are there, so a handler waiting for its client holds none.
     */
    static void talkRecv(FiberSocket conn) throws IOException {
        for (byte[] b; (b = conn.recv(1024)).length > 0; ) {
            upper(b, 0, b.length);
            conn.write(b);
        }
    }

    static void upper(byte[] b, int off, int n) {
        for (int i = off; i < off + n; i++) {
            if (b[i] >= 'a' && b[i] <= 'z') {
                b[i] -= 32;
            }
        }
    }

    /** The baseline: one thread, one selector, a buffer per connection, writes that may be partial. */
    static void nio() throws IOException {
        try (Selector sel = Selector.open(); ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            ss.configureBlocking(false);
            ss.register(sel, SelectionKey.OP_ACCEPT);
            ready(((InetSocketAddress) ss.getLocalAddress()).getPort());
            for (;;) {
                sel.select();
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        for (SocketChannel c; (c = ss.accept()) != null; ) {
                            c.configureBlocking(false);
                            c.register(sel, SelectionKey.OP_READ, ByteBuffer.allocate(1024));
                        }
                        continue;
                    }
                    SocketChannel c = (SocketChannel) k.channel();
                    ByteBuffer buf = (ByteBuffer) k.attachment();
                    try {
                        if (k.isReadable()) {
                            buf.clear();
                            int n = c.read(buf);
                            if (n < 0) {
                                k.cancel();
                                c.close();
                                continue;
                            }
                            upper(buf.array(), 0, n);
                            buf.flip();
                        }
                        c.write(buf);
                        k.interestOps(buf.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                    } catch (IOException e) {
                        k.cancel();
                        c.close();
                    }
                }
            }
        }
    }

    static void threadPerConnection(boolean virtual) throws IOException {
        Thread.Builder b = virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
        try (ServerSocket ss = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress())) {
            ready(ss.getLocalPort());
            for (;;) {
                Socket c = ss.accept();
                b.start(() -> {
                    try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                        byte[] buf = new byte[1024];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            upper(buf, 0, n);
                            out.write(buf, 0, n);
                        }
                    } catch (IOException e) {
                        // client gone
                    }
                });
            }
        }
    }
}
