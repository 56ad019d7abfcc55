/**
 * Cooperative sockets (gevent's {@code gevent.socket} and {@code gevent.server}): FiberSocket and
 * FiberServerSocket over non-blocking NIO channels, parked through {@link io.loomlet.Park#waitIo};
 * StreamServer, a handler fiber per connection; and FiberSocketImpl, which puts them behind
 * {@code java.net.Socket} for the monkey patch. A socket belongs to no hub: fibers and threads of
 * any hub may use it in turn, each waiting through its own hub's selector, and any thread may close
 * it. Timeouts follow the rule stated in {@link io.loomlet}.
 */
package io.loomlet.net;
