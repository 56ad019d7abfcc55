package io.loomlet.iopatch.programs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Forked by PatchTest: plain-Java threads sharing state across blocking calls. Two writers share one
 * PrintWriter over a socket, each writing a line in two halves with a sleep between, guarded first
 * by synchronized, then by a ReentrantLock; and each keeps its name in a ThreadLocal across a sleep.
 * With the thread patch they are fibers of one carrier thread; mutual exclusion and per-thread values
 * must still hold (no torn lines, no hang, own values).
 */
public final class SharedStateProgram {
    static final ThreadLocal<String> NAME = new ThreadLocal<>();
    static final ThreadLocal<List<String>> LIST = ThreadLocal.withInitial(ArrayList::new);

    /** A socket pair: writes to {@code out} arrive as lines in {@code lines} (read by a thread of its own). */
    static final class Pipe implements AutoCloseable {
        final ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
        final Socket server = ss.accept();
        final PrintWriter out = new PrintWriter(client.getOutputStream(), false);
        final List<String> lines = new ArrayList<>();
        final Thread reader;

        Pipe(int expected) throws Exception {
            BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream()));
            reader = new Thread(() -> {
                try {
                    for (String l; lines.size() < expected && (l = in.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (Exception e) {
                    System.out.println("READER " + e);
                }
            });
            reader.start();
        }

        @Override
        public void close() throws Exception {
            client.close();
            server.close();
            ss.close();
        }
    }

    public static void main(String[] args) throws Exception {
        try (Pipe sync = new Pipe(40); Pipe locked = new Pipe(40)) {
            ReentrantLock lock = new ReentrantLock();
            List<String> localsSeen = new ArrayList<>();
            // Phase 1: both writers contend for the monitor; phase 2: both for the ReentrantLock.
            runWriters(name -> {
                NAME.set(name);
                LIST.get().add(name);
                for (int i = 0; i < 20; i++) {
                    synchronized (sync.out) {
                        sync.out.print("sync " + name + i + " first-half ");
                        sync.out.flush();
                        pause();
                        sync.out.println("sync " + name + i + " second-half");
                        sync.out.flush();
                    }
                }
                synchronized (localsSeen) {
                    localsSeen.add(name + "=" + NAME.get() + " list=" + LIST.get());
                }
            });
            runWriters(name -> {
                for (int i = 0; i < 20; i++) {
                    lock.lock();
                    try {
                        locked.out.print("lock " + name + i + " first-half ");
                        locked.out.flush();
                        pause();
                        locked.out.println("lock " + name + i + " second-half");
                        locked.out.flush();
                    } finally {
                        lock.unlock();
                    }
                }
            });
            sync.reader.join();
            locked.reader.join();
            List<String> lines = new ArrayList<>(sync.lines);
            lines.addAll(locked.lines);
            int torn = 0;
            for (String l : lines) {
                String[] p = l.split(" ");
                // "sync A3 first-half sync A3 second-half": both halves from the same writer and round
                if (p.length != 6 || !p[0].equals(p[3]) || !p[1].equals(p[4])) {
                    torn++;
                    System.out.println("TORN " + l);
                }
            }
            System.out.println("LINES " + lines.size() + " TORN " + torn);
            System.out.println("LOCALS " + localsSeen);
            System.out.println("ON " + Thread.currentThread().getName() + " writers ran as " + (isFiberRun() ? "virtual threads" : "threads"));
        }
    }

    /** Starts writers A and B running {@code body} and waits for both. */
    static void runWriters(Consumer<String> body) throws InterruptedException {
        List<Thread> writers = new ArrayList<>();
        for (String name : List.of("A", "B")) {
            Thread w = new Thread(() -> body.accept(name), "writer-" + name);
            writers.add(w);
            w.start();
        }
        for (Thread w : writers) {
            w.join();
        }
    }

    static volatile boolean virtualRun;

    static boolean isFiberRun() {
        return virtualRun;
    }

    static void pause() {
        if (Thread.currentThread().isVirtual() && Thread.currentThread().getName().startsWith("writer-")) {
            virtualRun = true; // a patched thread: a virtual thread of the hub, named as the program named it
        }
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
