package io.loomlet.iopatch.programs;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Forked by PatchTest with sockets patched: 100 fibers on one thread fetch over HttpURLConnection
 * and 20 more talk TLS over SSLSockets layered on patched sockets, all at once, against servers in
 * the test's JVM that answer after 300 ms. Args: httpPort tlsPort.
 */
public final class SocketsProgram {
    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]);
        int tlsPort = Integer.parseInt(args[1]);
        long start = System.nanoTime();
        List<Task<String>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String url = "http://127.0.0.1:" + httpPort + "/p" + i;
            all.add(Fibers.spawn(() -> {
                HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
                try (InputStream in = c.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }));
        }
        for (int i = 0; i < 20; i++) {
            String msg = "tls hello " + i;
            all.add(Fibers.spawn(() -> {
                Socket raw = new Socket("127.0.0.1", tlsPort); // patched: a fiber socket
                SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(raw, "localhost", tlsPort, true);
                try (tls) {
                    tls.getOutputStream().write((msg + "\n").getBytes(StandardCharsets.UTF_8));
                    tls.getOutputStream().flush();
                    byte[] b = tls.getInputStream().readNBytes(msg.length());
                    return new String(b, StandardCharsets.UTF_8);
                }
            }));
        }
        int ok = 0;
        for (Task<String> t : all) {
            String r = t.get();
            if (r.startsWith("page /p") || r.startsWith("TLS HELLO")) {
                ok++;
            } else {
                System.out.println("BAD " + r);
            }
        }
        System.out.printf("SOCKETS ok %d of %d in %d ms on %s%n", ok, all.size(),
                (System.nanoTime() - start) / 1_000_000, Thread.currentThread().getName());
    }
}
