package io.loomlet.sync;

/** The {@link Held} that {@code hold()} returns: its first close runs the release, later ones nothing. */
final class HeldOnce implements Held {
    private final Runnable release;
    private boolean closed;

    HeldOnce(Runnable release) {
        this.release = release;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
