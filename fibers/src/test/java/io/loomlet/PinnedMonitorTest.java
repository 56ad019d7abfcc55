package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pinned fiber that holds a monitor keeps it: while it waits, the hub resumes no other fiber or
 * virtual thread on its stack (whose park would carry the monitor away: see
 * {@link NestedContinuationMonitorTest}). Each case runs {@link PinnedMonitorMain} in a forked JVM.
 */
class PinnedMonitorTest {

    private static List<String> run(String mode, String... jvmArgs) {
        ForkedJvm.Result r = ForkedJvm.main(PinnedMonitorMain.class).exports()
                .jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED").jvmArgs(jvmArgs).args(mode)
                .timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, r.exit(), r.out());
        return r.out().lines().filter(l -> l.startsWith("P") || l.startsWith("other") || l.startsWith("another"))
                .toList();
    }

    @Test
    void anotherFiberWaitsUntilThePinnedOneHoldingAMonitorGoesOn() {
        // Before: [P: pinned wait starts, other runs, other entered M, P: pinned wait ends, ...]: the other
        // fiber, run on P's stack, entered M while P held it
        assertEquals(List.of("P: pinned wait starts", "P: pinned wait ends", "P holds M after its pinned wait: true",
                "other runs", "other entered M", "another thread entered M"), run("fiber"));
    }

    @Test
    void aHubVirtualThreadWaitsToo() {
        assertEquals(List.of("P: pinned wait starts", "P: pinned wait ends", "P holds M after its pinned wait: true",
                "other runs", "other entered M", "another thread entered M"), run("vthread"));
    }

    @Test
    void aPinnedWaitThatOnlyAHeldBackFiberCouldEndFailsInsteadOfHanging() {
        List<String> trace = run("hopeless");
        assertEquals(6, trace.size(), trace.toString());
        assertEquals("P: pinned join starts", trace.get(0));
        assertTrue(trace.get(1).startsWith("P: LoopExit: this operation would block forever"), trace.toString());
        assertTrue(trace.get(1).contains("it is pinned and holds monitors, so the hub resumes no other fiber or virtual "
                + "thread until it goes on (1 held back)"), trace.toString());
        assertEquals(List.of("P holds M after its pinned wait: true", "other runs", "other entered M",
                "another thread entered M"), trace.subList(2, 6));
    }

    @Test
    void withoutAMonitorOtherFibersStillRunDuringThePinnedWait() {
        assertEquals(List.of("P: pinned wait starts", "other runs", "other entered M", "P: pinned wait ends",
                "another thread entered M"), run("nomonitor"));
    }
}
