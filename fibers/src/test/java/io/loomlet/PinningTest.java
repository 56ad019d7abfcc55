package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A yield the JVM pins (here: inside a static initialiser) neither crashes nor hangs. */
class PinningTest extends HubTestBase {
    static final Trace TRACE = new Trace();

    static final class SleepsInClinit {
        static final String VALUE;

        static {
            TRACE.add("clinit start");
            Fibers.sleep(30); // pinned: a <clinit> frame is native to the continuation
            TRACE.add("clinit end");
            VALUE = "initialised";
        }
    }

    static final class SleepsInClinitToo {
        static {
            Fibers.sleep(1);
        }

        static void touch() {
        }
    }

    static final Object MONITOR = new Object();

    static final class SleepsInClinitUnderAMonitor {
        static {
            Fibers.sleep(1);
        }

        static void touch() {
        }
    }

    /** What {@code body} printed on System.err (where Loomlet's warnings go). */
    private static String stderrOf(Runnable body) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(oldErr);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPinnedFiberHoldingAMonitorIsWarnedThatTheHubWaitsForIt() {
        String warnings = stderrOf(() -> Fibers.spawn(() -> {
            synchronized (MONITOR) {
                SleepsInClinitUnderAMonitor.touch();
            }
        }).get());
        assertTrue(warnings.contains("SleepsInClinitUnderAMonitor.<clinit>"), warnings);
        assertTrue(warnings.contains("It also holds monitors (java.lang.Object@" + Integer.toHexString(
                System.identityHashCode(MONITOR)) + " taken at "), warnings);
        assertTrue(warnings.contains("PinningTest.lambda$aPinnedFiberHoldingAMonitorIsWarnedThatTheHubWaitsForIt"), warnings);
        assertTrue(warnings.contains("so while it waits the hub runs no other fiber or virtual thread"), warnings);
    }

    @Test
    void pinnedSleepFallsBackWarnsOnceAndOthersStillRun() {
        // No reset of the warned frames is needed: each <clinit> here runs once per JVM.
        String warnings = stderrOf(() -> {
            Task<Void> other = Fibers.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    TRACE.add("other");
                    Fibers.sleep(5);
                }
            });
            Task<String> pinned = Fibers.spawn(() -> SleepsInClinit.VALUE);
            assertEquals("initialised", pinned.get(Duration.ofSeconds(5)));
            other.join();
            // and a second pinned wait at another frame, plus the same frame again (no second warning)
            Fibers.spawn(SleepsInClinitToo::touch).get();
        });
        assertEquals("other clinit start other other clinit end", TRACE.toString(),
                "the other fiber ran while the pinned one waited in <clinit>");
        assertTrue(warnings.contains("pinned: NATIVE"), warnings);
        assertTrue(warnings.contains("SleepsInClinit.<clinit>"), warnings);
        assertEquals(2, warnings.split("could not yield", -1).length - 1, "one warning per frame:\n" + warnings);
        assertTrue(!warnings.contains("It also holds monitors"), "no monitor held here:\n" + warnings);
    }
}
