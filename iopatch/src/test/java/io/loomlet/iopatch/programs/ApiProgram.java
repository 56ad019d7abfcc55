package io.loomlet.iopatch.programs;

import io.loomlet.Fibers;
import io.loomlet.Task;
import io.loomlet.iopatch.IoPatch;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Forked by PatchTest WITHOUT the agent: IoPatch from code. Sockets made before patching keep their
 * blocking implementation and still work; sockets made after park fibers; patching twice is
 * harmless; sleep and thread say they need the agent.
 */
public final class ApiProgram {
    public static void main(String[] args) throws Exception {
        ServerSocket before = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        IoPatch.patchAll();
        IoPatch.patchAll(); // harmless
        IoPatch.patchSockets();
        System.out.println("PATCHED socket=" + IoPatch.isPatched(IoPatch.Part.SOCKET) + " dns=" + IoPatch.isPatched(IoPatch.Part.DNS)
                + " sleep=" + IoPatch.isPatched(IoPatch.Part.SLEEP) + " agent=" + IoPatch.isAgentActive());
        try {
            IoPatch.patchSleep();
        } catch (IllegalStateException e) {
            System.out.println("SLEEP refused: " + e.getMessage());
        }

        // the pre-patch server still accepts (a plain thread, blocking), a patched client talks to it
        Thread oldServer = new Thread(() -> {
            try (Socket c = before.accept(); InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                out.write(in.readNBytes(5));
            } catch (Exception e) {
                System.out.println("OLD failed " + e);
            }
        });
        oldServer.start();

        // a patched server and 20 patched clients, all fibers of this thread, with a ticker
        ServerSocket after = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int[] ticks = {0};
        Task<Void> ticker = Fibers.spawn(() -> {
            for (int i = 0; i < 10; i++) {
                ticks[0]++;
                Fibers.sleep(10);
            }
        });
        Task<Void> server = Fibers.spawn(() -> {
            for (int i = 0; i < 20; i++) {
                Socket c = after.accept();
                Fibers.spawn(() -> {
                    try (c) {
                        Fibers.sleep(50);
                        c.getOutputStream().write(c.getInputStream().readNBytes(5));
                    }
                });
            }
        });
        int ok = 0;
        List<Task<String>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(Fibers.spawn(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), after.getLocalPort())) {
                    s.getOutputStream().write("hello".getBytes());
                    return new String(s.getInputStream().readNBytes(5));
                }
            }));
        }
        long start = System.nanoTime();
        for (Task<String> t : clients) {
            if (t.get().equals("hello")) {
                ok++;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        server.get();
        ticker.join();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), before.getLocalPort())) {
            s.getOutputStream().write("older".getBytes());
            System.out.println("OLD echo " + new String(s.getInputStream().readNBytes(5)));
        }
        // a patched socket on a plain thread (no fibers there) simply blocks that thread, as before
        ServerSocket plainServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        String[] got = new String[1];
        Thread plain = new Thread(() -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), plainServer.getLocalPort())) {
                s.getOutputStream().write("plain".getBytes());
                got[0] = new String(s.getInputStream().readNBytes(5)) + " on " + Thread.currentThread().getName();
            } catch (Exception e) {
                got[0] = "failed " + e;
            }
        }, "plain-thread");
        plain.start();
        try (Socket c = plainServer.accept()) { // the root, blocking like any ServerSocket
            c.getOutputStream().write(c.getInputStream().readNBytes(5));
        }
        plain.join();
        plainServer.close();
        System.out.println("PLAIN " + got[0]);
        oldServer.join();
        System.out.println("NEW ok " + ok + " in " + ms + " ms, ticks " + ticks[0]);
    }
}
