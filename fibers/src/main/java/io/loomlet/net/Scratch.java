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
 */
final class Scratch {
    /** Larger transfers take the JDK's path: a read or write that big gains nothing measurable. */
    static final int SIZE = 64 * 1024;

    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SIZE));

    private Scratch() {
    }

    /**
     * This thread's buffer, position 0 and limit {@code len}; null for more than {@link #SIZE} bytes
     * or in a virtual thread.
     */
    static ByteBuffer of(int len) {
        if (len > SIZE || Thread.currentThread().isVirtual()) {
            return null;
        }
        return BUFFER.get().clear().limit(len);
    }
}
