/**
 * Cooperative sockets (gevent's {@code gevent.socket} and {@code gevent.server}): FiberSocket and
 * FiberServerSocket over non-blocking NIO channels, parked through {@link io.loomlet.Park#waitIo};
 * StreamServer, a handler fiber per connection; and FiberSocketImpl, which puts them behind
 * {@code java.net.Socket} for the monkey patch. A socket belongs to the hub of the first fiber that
 * waits on it and may be closed from any thread. Timeouts follow the rule stated in
 * {@link io.loomlet}.
 */
package io.loomlet.net;
