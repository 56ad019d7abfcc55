package io.loomlet.net;

import io.loomlet.internal.Deadlines;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A listening TCP socket whose {@link #accept()} parks only the calling fiber. {@code SO_REUSEADDR}
 * is on by default, as in gevent's servers.
 *
 * <p>Like {@link FiberSocket}, it belongs to no hub: fibers of any hub may accept on it in turn, and
 * any thread may close it.
 */
public final class FiberServerSocket implements Closeable {
    private final ServerSocketChannel ch;
    private final ChannelOwner owner;

    private FiberServerSocket(ServerSocketChannel ch) throws IOException {
        this.ch = ch;
        this.owner = new ChannelOwner(ch, "server socket");
        ch.configureBlocking(false);
    }

    /** An unbound server socket: set options, then {@link #bindTo}. */
    public static FiberServerSocket open() throws IOException {
        FiberServerSocket s = new FiberServerSocket(ServerSocketChannel.open());
        s.ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        return s;
    }

    /** Binds and listens on {@code address} (port 0: any free port) with the default backlog. */
    public static FiberServerSocket bind(SocketAddress address) throws IOException {
        return bind(address, 0);
    }

    /** Binds and listens with {@code backlog} pending connections (0: the JDK's default). */
    public static FiberServerSocket bind(SocketAddress address, int backlog) throws IOException {
        FiberServerSocket s = open();
        try {
            s.bindTo(address, backlog);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public FiberServerSocket bindTo(SocketAddress address, int backlog) throws IOException {
        ch.bind(address, backlog);
        return this;
    }

    /** Waits for a connection. */
    public FiberSocket accept() throws IOException {
        return accept(null);
    }

    /** Waits at most {@code timeout} (null: no limit; zero: only a connection pending now) for a connection. */
    public FiberSocket accept(Duration timeout) throws IOException {
        return FiberSocket.adopt(acceptChannel(timeout));
    }

    /**
     * Accepts a connection as a bare channel, for handing to another hub (a {@code HubGroup}
     * spreading connections) before wrapping it there with {@link FiberSocket#adopt}.
     *
     * @throws SocketTimeoutException if none came within {@code timeout}
     */
    public SocketChannel acceptChannel(Duration timeout) throws IOException {
        long deadline = Deadlines.of(timeout, "accept");
        for (;;) {
            SocketChannel c = acceptNow();
            if (c != null) {
                return c;
            }
            if ((timeout != null && timeout.isZero()) || !owner.await(SelectionKey.OP_ACCEPT, deadline)) {
                throw new SocketTimeoutException("accept timed out after " + timeout);
            }
        }
    }

    /** A pending connection, or null if none is waiting now (never parks). */
    public SocketChannel acceptNow() throws IOException {
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed");
        }
        return ch.accept();
    }

    public <T> FiberServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) ch.getLocalAddress();
    }

    public boolean isOpen() {
        return ch.isOpen();
    }

    public ServerSocketChannel channel() {
        return ch;
    }

    /** Closes the socket; a fiber waiting in accept gets a {@link SocketException}. From any thread. */
    @Override
    public void close() throws IOException {
        owner.close();
    }

    @Override
    public String toString() {
        return "FiberServerSocket[" + ch + "]";
    }
}
