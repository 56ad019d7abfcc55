package io.loomlet.net;

import java.nio.ByteBuffer;

/**
 * One direct buffer per platform thread, through which {@link FiberSocket} moves the bytes of its
 * array reads and writes. A heap array handed to a channel costs a {@code HeapByteBuffer} to wrap it,
 * then the JDK's own copy through a temporary direct buffer that it takes from, and gives back to, a
 * per-thread cache: both on every read and write of a connection (the wrap alone was about 1% of an
 * echo server's CPU). Reading into this buffer and copying out (writing: copying in) is the same one
 * copy without either.
 *
 * <p>Safe to share between the fibers of a hub: they all run on its thread, and no code that uses
 * the buffer parks between filling and emptying it. Not used in virtual threads ({@link #of} says
 * null): a buffer per virtual thread would cost a direct buffer for each of thousands; the JDK's
 * path, whose cache belongs to the carrier, serves them as before.
 *
 * <p>Memory: the buffer grows with the largest transfer asked for, in powers of two from 4 KB up to
 * {@link #SIZE} (a thread that moves small messages keeps a small one); transfers are cut to
 * {@code SIZE} bytes at a time. It is direct memory, so it counts against
 * {@code -XX:MaxDirectMemorySize}; a thread that cannot get it uses the JDK's path instead. It is
 * freed when the thread has ended and a collection finds it unreachable.
 */
final class Scratch {
    /** The largest buffer, and so the most one read or one write of an array moves at a time. */
    static final int SIZE = 64 * 1024;

    private static final int SMALLEST = 4 * 1024;

    /** Per thread: its buffer, or {@link #NONE} once one could not be had. */
    private static final ThreadLocal<ByteBuffer> BUFFER = new ThreadLocal<>();

    private static final ByteBuffer NONE = ByteBuffer.allocate(0);

    private Scratch() {
    }

    /**
     * This thread's buffer, position 0 and limit {@code len} (at most {@link #SIZE}: callers cut
     * their transfers to that); null in a virtual thread, or where direct memory ran out.
     */
    static ByteBuffer of(int len) {
        if (Thread.currentThread().isVirtual()) {
            return null;
        }
        ByteBuffer b = BUFFER.get();
        if (b == null || (b != NONE && b.capacity() < len)) {
            b = grow(len);
        }
        return b == NONE ? null : b.clear().limit(len);
    }

    private static ByteBuffer grow(int len) {
        if (len > SIZE) {
            throw new IllegalArgumentException("scratch transfer of " + len + " bytes, more than " + SIZE);
        }
        ByteBuffer b;
        try {
            b = ByteBuffer.allocateDirect(Math.max(SMALLEST, Integer.highestOneBit(len - 1) << 1));
        } catch (OutOfMemoryError e) {
            b = NONE; // no direct memory left (MaxDirectMemorySize): this thread takes the JDK's path
        }
        BUFFER.set(b);
        return b;
    }
}
