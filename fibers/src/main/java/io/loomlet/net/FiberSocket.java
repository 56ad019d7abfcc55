package io.loomlet.net;

import io.loomlet.internal.Deadlines;
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
import java.util.Arrays;
import java.util.Objects;

/**
 * A TCP socket whose blocking calls park only the calling fiber: gevent.socket's twin, over a
 * non-blocking {@link SocketChannel} registered with the hub's selector. Called from the root (no
 * fiber), a call runs the hub until it can return, so it also works as a plain blocking socket.
 *
 * <p>Reads return what is there (at least one byte, or -1 at end of stream), into a buffer of the
 * caller's ({@link #read(ByteBuffer)}) or, as gevent's {@code recv} does, in a new array made once
 * bytes are there ({@link #recv}); writes write everything. Read and write timeouts raise {@link SocketTimeoutException} and leave the socket
 * usable; a connect timeout closes it (a half-made connection cannot be reused). Timeouts follow
 * Loomlet's one rule: {@code null} is no limit, {@link Duration#ZERO} does not wait, negative is
 * refused. {@link #close()} wakes any fiber waiting on the socket with a {@link SocketException}.
 *
 * <p>A socket belongs to no hub: fibers and threads of any hub may use it in turn (a pool's
 * connection), each waiting through its own hub's selector, and any thread may close it. One fiber
 * may read while another writes; two readers (or two writers) at once is an error.
 */
public final class FiberSocket implements Closeable {
    private static final byte[] EMPTY = {};

    private final SocketChannel ch;
    private final ChannelOwner owner;
    private Duration readTimeout;
    /** The last read took less than it asked for: the next one waits for readiness first (see read). */
    private boolean drained;
    private Duration writeTimeout;
    private InputStream in;
    private OutputStream out;

    private FiberSocket(SocketChannel ch) throws IOException {
        this.ch = ch;
        this.owner = new ChannelOwner(ch, "socket");
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
        long deadline = Deadlines.of(timeout, "connect");
        if (ch.connect(address)) {
            return;
        }
        try {
            while (!ch.finishConnect()) {
                if (!owner.await(SelectionKey.OP_CONNECT, deadline)) {
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
        int want = dst.remaining();
        return want == 0 ? 0 : readLoop(dst, null, 0, want);
    }

    /**
     * As {@link #read(ByteBuffer)}, into {@code b[off, off + len)}. Nothing refers to the array while
     * this waits (only the caller holds it): each attempt reads through the thread's {@link Scratch}
     * buffer, or wraps the array for that attempt only.
     */
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : readLoop(null, b, off, len);
    }

    /**
     * gevent's {@code recv(max)}: waits for data, then returns at most {@code max} bytes in a new
     * array of exactly the length read (at least one byte); an empty array at end of stream (gevent's
     * {@code b''}). Nothing is allocated until there is something to read, so a handler that waits
     * here holds no buffer while its connection is idle (see BENCHMARKS.md: an idle connection's
     * heap). {@code recv(0)} returns an empty array at once.
     *
     * @throws IllegalArgumentException if {@code max} is negative
     * @throws SocketTimeoutException if nothing came within the read timeout (the socket stays usable)
     */
    public byte[] recv(int max) throws IOException {
        if (max < 0) {
            throw new IllegalArgumentException("recv: negative size " + max);
        }
        if (max == 0) {
            return EMPTY;
        }
        // readLoop's loop, with an array made for each attempt. Not readLoop itself: handing the array
        // back would need a holder kept across the wait, 24 bytes of every idle connection.
        long deadline = 0;
        boolean waited = false;
        boolean last = false;
        for (boolean attempt = mayReadFirst(); ; attempt = true) {
            if (attempt) {
                int want = Math.min(max, Scratch.SIZE);
                ByteBuffer scratch = Scratch.of(want);
                if (scratch != null) {
                    // read into the thread's buffer, then an array of exactly what came: one copy, as
                    // the JDK makes for a heap array anyway, and no array of max bytes to zero
                    int n = ch.read(scratch);
                    if (n != 0) {
                        drained = n > 0 && n < want;
                        if (n < 0) {
                            return EMPTY;
                        }
                        byte[] b = new byte[n];
                        scratch.get(0, b, 0, n);
                        return b;
                    }
                } else {
                    byte[] b = new byte[max]; // made only now: nothing is held across the wait below
                    int n = ch.read(ByteBuffer.wrap(b));
                    if (n != 0) {
                        drained = n > 0 && n < max;
                        return n < 0 ? EMPTY : n == max ? b : Arrays.copyOf(b, n);
                    }
                }
                if (last) {
                    throw readTimedOut();
                }
            }
            if (!waited) {
                waited = true;
                deadline = Deadlines.of(readTimeout, "read");
            }
            last = !owner.await(SelectionKey.OP_READ, deadline);
        }
    }

    /**
     * Waits until the socket has something to read (data or the end of stream) without reading it:
     * gevent's {@code wait_read(fileno, timeout)}. A handler that waits here and then reads into a
     * buffer it takes only now (a pooled one, say) holds no buffer while its connection is idle.
     * {@code null}: no limit; {@link Duration#ZERO}: check once, without waiting.
     *
     * @throws SocketTimeoutException if nothing came within {@code timeout}
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public void awaitReadable(Duration timeout) throws IOException {
        if (!owner.await(SelectionKey.OP_READ, Deadlines.of(timeout, "awaitReadable"))) {
            throw new SocketTimeoutException("awaitReadable timed out after " + timeout);
        }
        drained = false; // readiness was reported: the next read tries at once
    }

    /**
     * The read loop: tries, waits for readiness while there is nothing, tries again; once the
     * deadline has passed, one last try (the wait may have ended first), then a timeout. An attempt
     * reads into {@code dst}, or into {@code b[off, off + len)}: through the thread's {@link Scratch}
     * buffer, at most {@link Scratch#SIZE} bytes, or (in a virtual thread) wrapped for that attempt.
     */
    private int readLoop(ByteBuffer dst, byte[] b, int off, int len) throws IOException {
        long deadline = 0;
        boolean waited = false;
        boolean last = false;
        for (boolean attempt = mayReadFirst(); ; attempt = true) {
            if (attempt) {
                int n;
                int want = len;
                if (dst != null) {
                    n = ch.read(dst);
                } else {
                    ByteBuffer scratch = Scratch.of(want = Math.min(len, Scratch.SIZE));
                    if (scratch == null) {
                        n = ch.read(ByteBuffer.wrap(b, off, want = len)); // wrapped for this attempt only
                    } else if ((n = ch.read(scratch)) > 0) {
                        scratch.get(0, b, off, n);
                    }
                }
                if (n != 0) {
                    drained = n > 0 && n < want;
                    return n;
                }
                if (last) {
                    throw readTimedOut();
                }
            }
            if (!waited) {
                waited = true;
                deadline = Deadlines.of(readTimeout, "read");
            }
            last = !owner.await(SelectionKey.OP_READ, deadline);
        }
    }

    /**
     * Whether a read should try before it waits. After a read that took less than it asked for, the
     * socket was empty: in a request/response exchange the next bytes come only after this side
     * answers, so a read tried at once would find nothing (a system call for nothing, on every round
     * trip). Wait for readiness first then, as Netty does; a socket with data is reported ready at
     * the next select. Always with a zero read timeout, which means "do not wait".
     */
    private boolean mayReadFirst() {
        return !drained || (readTimeout != null && readTimeout.isZero());
    }

    private SocketTimeoutException readTimedOut() {
        return new SocketTimeoutException("read timed out after " + readTimeout);
    }

    /**
     * Writes all of {@code src}, parking while the peer's buffer is full. The write timeout limits
     * each stall, not the whole write: every byte the peer takes starts it again.
     *
     * @throws SocketTimeoutException if the peer took nothing within the write timeout
     */
    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (ch.write(src) == 0) {
                long deadline = Deadlines.of(writeTimeout, "write");
                do {
                    if (!owner.await(SelectionKey.OP_WRITE, deadline)) {
                        throw writeTimedOut(src.remaining());
                    }
                } while (ch.write(src) == 0);
            }
        }
    }

    /**
     * As {@link #write(ByteBuffer)}, from {@code b[off, off + len)}: at most {@link Scratch#SIZE}
     * bytes at a time through the thread's {@link Scratch} buffer. When the peer takes less than a
     * piece, this waits until it can take more and fills the buffer again from the array: nothing
     * waits in the shared buffer, and a large write to a slow peer copies each byte about once.
     *
     * @throws SocketTimeoutException if the peer took nothing within the write timeout
     */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        long deadline = 0;
        boolean stalled = false;
        while (len > 0) {
            int piece = Math.min(len, Scratch.SIZE);
            ByteBuffer scratch = Scratch.of(piece);
            if (scratch == null) {
                write(ByteBuffer.wrap(b, off, len)); // a virtual thread: the JDK's path
                return;
            }
            scratch.put(0, b, off, piece);
            int n = ch.write(scratch);
            off += n;
            len -= n;
            if (n > 0) {
                stalled = false; // every byte the peer takes starts the write timeout again
            }
            if (n < piece) {
                if (!stalled) {
                    stalled = true;
                    deadline = Deadlines.of(writeTimeout, "write");
                }
                if (!owner.await(SelectionKey.OP_WRITE, deadline)) {
                    throw writeTimedOut(len);
                }
            }
        }
    }

    private SocketTimeoutException writeTimedOut(int unsent) {
        return new SocketTimeoutException("write timed out after " + writeTimeout + " with " + unsent + " bytes unsent");
    }

    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    /** No more reads: the peer's further data is discarded and reads return -1. */
    public void shutdownInput() throws IOException {
        ch.shutdownInput();
    }

    /** No more writes: the peer reads end of stream (half-close). */
    public void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    /** Limit for each read (null: none; zero: do not wait for data). */
    public FiberSocket setReadTimeout(Duration d) {
        readTimeout = Deadlines.check(d, "setReadTimeout");
        return this;
    }

    /** Limit for each stall of a write (null: none; zero: do not wait for room). */
    public FiberSocket setWriteTimeout(Duration d) {
        writeTimeout = Deadlines.check(d, "setWriteTimeout");
        return this;
    }

    /** The read timeout, or null for none. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** The write timeout, or null for none. */
    public Duration writeTimeout() {
        return writeTimeout;
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

    /**
     * The channel underneath (non-blocking, registered with the selector of each hub that waited on
     * it). Close the socket with {@link #close()}, not through the channel: {@code close()} wakes the
     * fibers waiting on it with a {@link SocketException}; a close of the raw channel reports no
     * event to a selector, so a fiber waiting on it then waits until its timeout.
     */
    public SocketChannel channel() {
        return ch;
    }

    /**
     * Closes the socket, waking any fiber waiting on it with a {@link SocketException}, and releases
     * the descriptor at once. From any thread; harmless twice.
     */
    @Override
    public void close() throws IOException {
        owner.close();
    }

    @Override
    public String toString() {
        return "FiberSocket[" + ch + "]";
    }
}
