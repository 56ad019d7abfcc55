/**
 * The monkey patch (gevent.monkey's twin): a socket factory, a DNS resolver provider, and a java
 * agent that rewrites {@code Thread.sleep}, {@code TimeUnit.sleep} and, opt-in, {@code Thread.start}
 * into hub-scheduled operations, plus a launcher for unmodified programs.
 *
 * <p>Not built yet: this module exists so the build has its final shape. Its contents are issue #4,
 * which builds on the cooperative sockets of issue #3.
 */
package io.loomlet.iopatch;
