package io.loomlet.net;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** For ScratchTest, in a JVM with almost no direct memory: no scratch buffer, and the sockets still work. */
public final class ScratchNoDirectMemoryMain {
    public static void main(String[] args) throws Exception {
        String scratch = Scratch.of(10) == null ? "none" : "got one";
        byte[] sent = new byte[100_000];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 7);
        }
        try (FiberServerSocket ss = FiberServerSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
            Task<FiberSocket> acc = Fibers.spawn(() -> ss.accept());
            FiberSocket c = FiberSocket.connect(ss.localAddress(), null);
            FiberSocket s = acc.get();
            Task<Void> w = Fibers.spawn(() -> c.write(sent, 0, sent.length));
            byte[] got = new byte[sent.length];
            for (int n = 0; n < got.length; ) {
                int k = s.read(got, n, got.length - n);
                if (k <= 0) {
                    throw new AssertionError("end of stream after " + n);
                }
                n += k;
            }
            w.get();
            byte[] r = null;
            c.write(new byte[] {1, 2, 3});
            r = s.recv(10);
            c.close();
            s.close();
            System.out.println("scratch: " + scratch + "; " + sent.length + " bytes echoed "
                    + (Arrays.equals(sent, got) && r.length > 0 ? "whole" : "CORRUPT"));
        }
    }
}
