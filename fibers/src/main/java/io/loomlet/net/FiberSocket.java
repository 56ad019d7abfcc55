package io.loomlet.net;

import io.loomlet.Hub;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP socket whose blocking calls park only the calling fiber: gevent.socket's twin, over a
 * non-blocking {@link SocketChannel} registered with the hub's selector. Called from the root (no
 * fiber), a call runs the hub until it can return, so it also works as a plain blocking socket.
 *
 * <p>Reads return what is there (at least one byte, or -1 at end of stream); writes write
 * everything. Read, write and connect timeouts raise {@link SocketTimeoutException} and leave the
 * socket usable. {@link #close()} wakes any fiber waiting on the socket with a
 * {@link SocketException}.
 *
 * <p>Confinement: the socket belongs to the hub of the first fiber that waits on it. One fiber may
 * read while another writes; two readers (or two writers) at once is an error.
 */
public final class FiberSocket implements Closeable {
    private final SocketChannel ch;
    private volatile Hub owner;
    private long readTimeoutNanos;
    private long writeTimeoutNanos;
    private InputStream in;
    private OutputStream out;

    private FiberSocket(SocketChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
    }

    /** An unconnected socket: set options, {@link #bind}, then {@link #connect}. */
    public static FiberSocket open() throws IOException {
        return new FiberSocket(SocketChannel.open());
    }

    /** Connects to {@code address}, waiting at most {@code timeout} (null: the OS's limit). */
    public static FiberSocket connect(SocketAddress address, Duration timeout) throws IOException {
        FiberSocket s = open();
        try {
            s.connectTo(address, timeout);
            return s;
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    public static FiberSocket connect(String host, int port) throws IOException {
        return connect(new InetSocketAddress(host, port), null);
    }

    /** Wraps a connected channel (e.g. one accepted elsewhere); it is made non-blocking. */
    public static FiberSocket adopt(SocketChannel connected) throws IOException {
        return new FiberSocket(Objects.requireNonNull(connected, "channel"));
    }

    public FiberSocket bind(SocketAddress local) throws IOException {
        ch.bind(local);
        return this;
    }

    /**
     * Connects, parking the fiber until done. On timeout the socket is closed (a half-made
     * connection cannot be reused) and {@link SocketTimeoutException} raised.
     */
    public void connectTo(SocketAddress address, Duration timeout) throws IOException {
        if (ch.connect(address)) {
            return;
        }
        long deadline = deadline(timeout == null ? 0 : timeout.toNanos());
        try {
            while (!ch.finishConnect()) {
                if (!hub().waitIo(ch, SelectionKey.OP_CONNECT, deadline)) {
                    throw new SocketTimeoutException("connect to " + address + " timed out after " + timeout);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Reads into {@code dst}: at least one byte, waiting for them; -1 at end of stream.
     *
     * @throws SocketTimeoutException if nothing came within the read timeout (the socket stays usable)
     */
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        long deadline = 0;
        for (;;) {
            int n = ch.read(dst);
            if (n != 0) {
                return n;
            }
            if (deadline == 0) {
                deadline = deadline(readTimeoutNanos);
            }
            if (!hub().waitIo(ch, SelectionKey.OP_READ, deadline)) {
                throw new SocketTimeoutException("read timed out after " + Duration.ofNanos(readTimeoutNanos));
            }
        }
    }

    public int read(byte[] b, int off, int len) throws IOException {
        return read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Writes all of {@code src}, parking while the peer's buffer is full.
     *
     * @throws SocketTimeoutException if the write made no room within the write timeout
     */
    public void write(ByteBuffer src) throws IOException {
        long deadline = 0;
        while (src.hasRemaining()) {
            if (ch.write(src) == 0) {
                if (deadline == 0) {
                    deadline = deadline(writeTimeoutNanos);
                }
                if (!hub().waitIo(ch, SelectionKey.OP_WRITE, deadline)) {
                    throw new SocketTimeoutException("write timed out after " + Duration.ofNanos(writeTimeoutNanos)
                            + " with " + src.remaining() + " bytes unsent");
                }
            }
        }
    }

    public void write(byte[] b, int off, int len) throws IOException {
        write(ByteBuffer.wrap(b, off, len));
    }

    public void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    /** No more reads: the peer's further data is discarded and reads return -1. */
    public void shutdownInput() throws IOException {
        ch.shutdownInput();
    }

    /** No more writes: the peer reads end of stream (half-close). */
    public void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    /** Limit for each read (null or zero: none). */
    public FiberSocket setReadTimeout(Duration d) {
        readTimeoutNanos = d == null ? 0 : d.toNanos();
        return this;
    }

    /** Limit for each write to make progress (null or zero: none). */
    public FiberSocket setWriteTimeout(Duration d) {
        writeTimeoutNanos = d == null ? 0 : d.toNanos();
        return this;
    }

    public Duration readTimeout() {
        return Duration.ofNanos(readTimeoutNanos);
    }

    public <T> FiberSocket setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    public FiberSocket setTcpNoDelay(boolean on) throws IOException {
        return setOption(StandardSocketOptions.TCP_NODELAY, on);
    }

    /** Bytes readable without waiting: always 0, since NIO does not expose the OS's count (FIONREAD). */
    public int available() {
        return 0;
    }

    /** A stream view, for code written against java.net.Socket streams. */
    public synchronized InputStream getInputStream() {
        if (in == null) {
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = FiberSocket.this.read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    Objects.checkFromIndexSize(off, len, b.length);
                    return len == 0 ? 0 : FiberSocket.this.read(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    FiberSocket.this.close();
                }
            };
        }
        return in;
    }

    public synchronized OutputStream getOutputStream() {
        if (out == null) {
            out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    FiberSocket.this.write(new byte[] {(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    Objects.checkFromIndexSize(off, len, b.length);
                    FiberSocket.this.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    FiberSocket.this.close();
                }
            };
        }
        return out;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) ch.getLocalAddress();
    }

    public InetSocketAddress remoteAddress() throws IOException {
        return (InetSocketAddress) ch.getRemoteAddress();
    }

    public boolean isOpen() {
        return ch.isOpen();
    }

    public boolean isConnected() {
        return ch.isConnected();
    }

    /** The channel underneath (non-blocking, registered with the owning hub's selector). */
    public SocketChannel channel() {
        return ch;
    }

    /**
     * Closes the socket, waking any fiber waiting on it with a {@link SocketException}, and releases
     * the descriptor at once. From any thread; harmless twice.
     */
    @Override
    public void close() throws IOException {
        Sockets.close(ch, owner);
    }

    private Hub hub() throws SocketException {
        Hub h = Hub.current();
        Hub o = owner;
        if (o == null) {
            owner = h;
        } else if (o != h) {
            throw new IllegalStateException("this socket belongs to the hub of thread " + o.thread().getName()
                    + " and cannot wait from thread " + Thread.currentThread().getName());
        }
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed");
        }
        return h;
    }

    private static long deadline(long timeoutNanos) {
        return timeoutNanos <= 0 ? Hub.NO_DEADLINE : System.nanoTime() + timeoutNanos;
    }

    @Override
    public String toString() {
        return "FiberSocket[" + ch + "]";
    }
}
