package io.loomlet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Each test gets a fresh hub on the test thread, closed afterwards; errors the hub reports are kept.
 * The default timeout of junit-platform.properties fails a hung hub's test: JUnit interrupts the
 * test's thread, and an interrupt ends the wait the hub holds that thread in
 * (HubInterruptedException), so the test ends instead of the hub spinning.
 */
public abstract class HubTestBase {
    protected Hub hub;
    protected final List<String> reported = Collections.synchronizedList(new ArrayList<>());
    protected final List<Throwable> reportedErrors = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void freshHub() {
        Hub old = Hub.currentIfAny();
        if (old != null) {
            old.close();
        }
        hub = Hub.current();
        hub.setErrorHandler((what, err) -> {
            reported.add(what);
            reportedErrors.add(err);
        });
    }

    @AfterEach
    void closeHub() {
        Hub h = Hub.currentIfAny();
        if (h != null) {
            h.close();
        }
    }

    /** Records the order things happen in, across fibers. */
    public static final class Trace {
        public Trace() {
        }

        private final List<String> events = new ArrayList<>();

        public void add(Object e) {
            events.add(String.valueOf(e));
        }

        public List<String> events() {
            return events;
        }

        @Override
        public String toString() {
            return String.join(" ", events);
        }
    }
}
