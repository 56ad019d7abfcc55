package io.loomlet.sync;

import io.loomlet.Hub;
import java.time.Duration;

final class Sync {
    private Sync() {
    }

    /** The park deadline for a timeout; null means none. */
    static long deadline(Duration timeout) {
        if (timeout == null) {
            return Hub.NO_DEADLINE;
        }
        return System.nanoTime() + Math.max(0, timeout.toNanos());
    }

    static final Object GRANT = new Object() {
        @Override
        public String toString() {
            return "GRANT";
        }
    };
}
