package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Why a fiber never runs another nested on its own stack (the direct handoff of #10, which would halve
 * a ping-pong's cost): on this JDK a continuation started nested inside another that holds a monitor
 * takes that monitor with it when it parks, and enters it later while the other still holds it. This
 * test pins that JDK behaviour down; if it fails, the JDK no longer does this, and the handoff
 * measured in BENCHMARKS.md ("Ping-pong: the direct handoff") can be reconsidered. Forked: the probe
 * leaves the thread's record of held monitors inconsistent.
 */
class NestedContinuationMonitorTest {

    @Test
    void aNestedContinuationTakesTheMonitorsOfTheOneBelowIt() {
        ForkedJvm.Result r = ForkedJvm.main(NestedContinuationMonitorMain.class).exports()
                .timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("entered: inner took the monitor outer holds"),
                "the JDK kept the monitor with the continuation that took it; the direct handoff may now be safe "
                        + "(see BENCHMARKS.md, \"Ping-pong: the direct handoff\"):\n" + r.out());
    }
}
