package io.loomlet.examples;

import io.loomlet.net.StreamServer;

/**
 * The main demo, run by {@code ./loomlet demo}: the seeds' stress test, an echo server and 500 clients. The upper-casing echo server
 * (seed 003) runs as a StreamServer on one hub thread, and 500 concurrent clients (seed 003's 500
 * threads) run as 500 fibers on a second thread. Options as {@link StressClient}'s, e.g.
 * {@code ./loomlet demo --clients 1000 --seconds 10 --size 512}.
 */
public final class Demo {
    public static void main(String[] args) throws Exception {
        StressClient.Result r = run(args);
        System.exit(r.errors() == 0 ? 0 : 1);
    }

    /** Runs the demo and returns the clients' totals (main() exits non-zero on any error). */
    public static StressClient.Result run(String[] args) throws Exception {
        EchoServer.Serving serving = EchoServer.onOwnThread("server-hub", () -> EchoServer.start(0));
        StreamServer server = serving.server();
        Thread serverThread = serving.thread();
        int port = server.address().getPort();
        StressClient.Config cfg = StressClient.Config.parse(args, port);
        System.out.printf("echo server: %s, one thread (%s)%n", server.address(), serverThread.getName());
        System.out.printf("clients: %d fibers on thread %s, %s-byte messages, %.0f s%n", cfg.clients(),
                Thread.currentThread().getName(), cfg.size() == 0 ? "~20" : String.valueOf(cfg.size()), cfg.seconds());
        StressClient.Result r = StressClient.run(cfg);
        System.out.println(r);
        System.out.printf("server accepted %d connections; all served by thread %s%n", server.acceptedCount(), serverThread.getName());
        server.stop(java.time.Duration.ofSeconds(2));
        serverThread.join(5000);
        return r;
    }
}
