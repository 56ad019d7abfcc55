package io.loomlet.net;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a forked JVM with a low descriptor limit by AcceptBackoffTest. Serves echo; on "FILL" it
 * uses up every free descriptor, so accept fails (EMFILE); on "RELEASE" it frees them; on "EXIT" it
 * stops. Reports go to stdout as "REPORT: ...".
 */
public final class AcceptBackoffMain {
    public static void main(String[] args) throws Exception {
        StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), StreamServerTest::echoUpper)
                .setErrorHandler((what, e) -> {
                    System.out.println("REPORT: " + what + (e == null ? "" : " (" + e.getMessage() + ")"));
                    System.out.flush();
                })
                .start();
        System.out.println("PORT " + server.address().getPort());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        List<FileInputStream> filler = new ArrayList<>();
        // stdin is read on a plain thread; commands reach the hub through callSoonThreadsafe
        io.loomlet.Hub hub = io.loomlet.Hub.current();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    String cmd = line.trim();
                    hub.callSoonThreadsafe(() -> command(cmd, filler, server));
                }
            } catch (IOException e) {
                System.exit(3);
            }
        });
        reader.setDaemon(true);
        reader.start();
        server.serveForever();
        System.out.println("EXITED");
        System.out.flush();
    }

    private static void command(String cmd, List<FileInputStream> filler, StreamServer server) {
        try {
            switch (cmd) {
                case "FILL" -> {
                    try {
                        while (true) {
                            filler.add(new FileInputStream("/dev/null"));
                        }
                    } catch (IOException full) {
                        System.out.println("FULL " + filler.size());
                    }
                }
                case "RELEASE" -> {
                    for (FileInputStream f : filler) {
                        f.close();
                    }
                    filler.clear();
                    System.out.println("RELEASED");
                }
                case "EXIT" -> io.loomlet.Fibers.spawn(() -> server.stop(java.time.Duration.ofSeconds(1)));
                default -> System.out.println("unknown " + cmd);
            }
        } catch (IOException e) {
            System.out.println("ERROR " + e);
        }
        System.out.flush();
    }
}
