package io.loomlet.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link SocketImpl} over {@link FiberSocket} and {@link FiberServerSocket}, so that
 * {@code java.net.Socket} and {@code ServerSocket} code parks fibers instead of threads. The monkey
 * patch installs it through {@code Socket.setSocketImplFactory} and
 * {@code ServerSocket.setSocketFactory}; without the patch it can be used directly:
 *
 * <pre>{@code
 * Socket s = new Socket(new FiberSocketImpl(false)) {};        // a client
 * ServerSocket ss = new ServerSocket(new FiberSocketImpl(true)) {  // a server whose accept()
 *     public Socket accept() throws IOException {                //   makes fiber sockets too
 *         Socket c = new Socket(new FiberSocketImpl(false)) {};
 *         implAccept(c);
 *         return c;
 *     }
 * };
 * }</pre>
 *
 * Called outside any fiber it blocks the calling thread (by running that thread's hub), like the
 * JDK's own implementation. TCP only.
 */
public class FiberSocketImpl extends SocketImpl {
    private final boolean server;
    private FiberSocket socket;
    private FiberServerSocket listener;
    private InetSocketAddress bindAddress;
    private int timeoutMillis;
    /** Options set before a channel exists, applied when it is made. */
    private final Map<SocketOption<Object>, Object> pending = new LinkedHashMap<>();
    private boolean closed;

    /** @param server true for a ServerSocket's impl, false for a client's (or an accepted one's) */
    public FiberSocketImpl(boolean server) {
        this.server = server;
    }

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) {
            throw new IOException("FiberSocketImpl is TCP only; datagram sockets are not made cooperative");
        }
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        if (server) {
            throw new SocketException("a server socket impl cannot connect");
        }
        if (address instanceof InetSocketAddress isa && isa.isUnresolved()) {
            throw new UnknownHostException(isa.getHostName());
        }
        FiberSocket s = clientSocket();
        try {
            s.connectTo(address, timeout > 0 ? Duration.ofMillis(timeout) : null);
        } catch (UnresolvedAddressException e) {
            throw new UnknownHostException(String.valueOf(address));
        }
        attach(s);
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        bindAddress = new InetSocketAddress(host, port);
        if (!server) {
            FiberSocket s = clientSocket();
            s.bind(bindAddress);
            localport = s.localAddress().getPort();
        }
    }

    private FiberSocket clientSocket() throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (socket == null) {
            socket = FiberSocket.open();
            for (Map.Entry<SocketOption<Object>, Object> e : pending.entrySet()) {
                socket.setOption(e.getKey(), e.getValue());
            }
            applyTimeout();
        }
        return socket;
    }

    @Override
    protected void listen(int backlog) throws IOException {
        if (!server) {
            throw new SocketException("a client socket impl cannot listen");
        }
        listener = FiberServerSocket.open();
        for (Map.Entry<SocketOption<Object>, Object> e : pending.entrySet()) {
            listener.setOption(e.getKey(), e.getValue());
        }
        listener.bindTo(bindAddress == null ? new InetSocketAddress(0) : bindAddress, Math.max(backlog, 0));
        InetSocketAddress local = listener.localAddress();
        localport = local.getPort();
        address = local.getAddress();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        if (!(s instanceof FiberSocketImpl f)) {
            throw new IOException("FiberSocketImpl accepts into FiberSocketImpl only, not " + s.getClass().getName());
        }
        if (listener == null) {
            throw new SocketException("not listening");
        }
        FiberSocket c = listener.accept(timeoutMillis > 0 ? Duration.ofMillis(timeoutMillis) : null);
        f.attach(c);
    }

    private void attach(FiberSocket s) throws IOException {
        socket = s;
        InetSocketAddress remote = s.remoteAddress();
        address = remote.getAddress();
        port = remote.getPort();
        localport = s.localAddress().getPort();
        applyTimeout();
    }

    private void applyTimeout() {
        if (socket != null) {
            socket.setReadTimeout(timeoutMillis > 0 ? Duration.ofMillis(timeoutMillis) : null);
        }
    }

    private FiberSocket connected() throws SocketException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (socket == null || !socket.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        return socket;
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        return connected().getInputStream();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        return connected().getOutputStream();
    }

    @Override
    protected int available() throws IOException {
        connected();
        return 0; // NIO does not expose the OS's count (FIONREAD); 0 is what the contract allows
    }

    @Override
    protected void close() throws IOException {
        closed = true;
        if (socket != null) {
            socket.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Override
    protected void shutdownInput() throws IOException {
        connected().shutdownInput();
    }

    @Override
    protected void shutdownOutput() throws IOException {
        connected().shutdownOutput();
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("urgent data is not supported by FiberSocketImpl");
    }

    // ---------------------------------------------------------------------------------- options

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        return server
                ? Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR)
                : Set.of(StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_SNDBUF,
                        StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR,
                        StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS,
                        StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (socket != null) {
            socket.setOption(name, value);
        } else if (listener != null) {
            listener.setOption(name, value);
        } else {
            pending.put((SocketOption<Object>) name, value);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (socket != null) {
            return socket.getOption(name);
        }
        if (listener != null) {
            return listener.getOption(name);
        }
        return (T) pending.get(name);
    }

    /** The old int-keyed options, as java.net.Socket and ServerSocket still call them. */
    @Override
    public void setOption(int optID, Object value) throws SocketException {
        try {
            switch (optID) {
                case SocketOptions.SO_TIMEOUT -> {
                    timeoutMillis = (Integer) value;
                    applyTimeout();
                }
                case SocketOptions.TCP_NODELAY -> setOption(StandardSocketOptions.TCP_NODELAY, (Boolean) value);
                case SocketOptions.SO_KEEPALIVE -> setOption(StandardSocketOptions.SO_KEEPALIVE, (Boolean) value);
                case SocketOptions.SO_REUSEADDR -> setOption(StandardSocketOptions.SO_REUSEADDR, (Boolean) value);
                case SocketOptions.SO_SNDBUF -> setOption(StandardSocketOptions.SO_SNDBUF, (Integer) value);
                case SocketOptions.SO_RCVBUF -> setOption(StandardSocketOptions.SO_RCVBUF, (Integer) value);
                case SocketOptions.IP_TOS -> setOption(StandardSocketOptions.IP_TOS, (Integer) value);
                case SocketOptions.SO_LINGER -> setOption(StandardSocketOptions.SO_LINGER,
                        value instanceof Integer i ? i : -1); // Boolean false: off
                case SocketOptions.SO_OOBINLINE -> {
                    if (Boolean.TRUE.equals(value)) {
                        throw new SocketException("SO_OOBINLINE is not supported by FiberSocketImpl");
                    }
                }
                default -> throw new SocketException("option " + optID + " is not supported by FiberSocketImpl");
            }
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        try {
            return switch (optID) {
                case SocketOptions.SO_TIMEOUT -> timeoutMillis;
                case SocketOptions.TCP_NODELAY -> orDefault(getOption(StandardSocketOptions.TCP_NODELAY), false);
                case SocketOptions.SO_KEEPALIVE -> orDefault(getOption(StandardSocketOptions.SO_KEEPALIVE), false);
                case SocketOptions.SO_REUSEADDR -> orDefault(getOption(StandardSocketOptions.SO_REUSEADDR), false);
                case SocketOptions.SO_SNDBUF -> orDefault(getOption(StandardSocketOptions.SO_SNDBUF), 0);
                case SocketOptions.SO_RCVBUF -> orDefault(getOption(StandardSocketOptions.SO_RCVBUF), 0);
                case SocketOptions.IP_TOS -> orDefault(getOption(StandardSocketOptions.IP_TOS), 0);
                case SocketOptions.SO_LINGER -> {
                    Integer l = getOption(StandardSocketOptions.SO_LINGER);
                    yield l == null || l < 0 ? Boolean.FALSE : l;
                }
                case SocketOptions.SO_OOBINLINE -> Boolean.FALSE;
                case SocketOptions.SO_BINDADDR -> {
                    InetSocketAddress local = socket != null ? socket.localAddress()
                            : listener != null ? listener.localAddress() : null;
                    yield local == null ? InetAddress.getByName("0.0.0.0") : local.getAddress();
                }
                default -> throw new SocketException("option " + optID + " is not supported by FiberSocketImpl");
            };
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    /** The int-keyed option methods may only throw SocketException. */
    private static SocketException asSocketException(IOException e) {
        SocketException se = new SocketException(e.getMessage());
        se.initCause(e);
        return se;
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }

    @Override
    public String toString() {
        return "FiberSocketImpl[" + (server ? "server " + listener : String.valueOf(socket)) + "]";
    }
}
