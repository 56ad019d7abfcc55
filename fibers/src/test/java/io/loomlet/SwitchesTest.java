package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Switches: the proofs fail where they should, on an operation that blocks the thread or never switches. */
class SwitchesTest extends HubTestBase {

    @Test
    void aThreadBlockingOperationFailsBothProofs() {
        AssertionError e = assertThrows(AssertionError.class, () -> Switches.assertOthersRan(() -> Thread.sleep(30)));
        assertTrue(e.getMessage().contains("ticker ticked 0 time(s)"), e.getMessage());
        assertThrows(AssertionError.class, () -> Switches.assertSwitched(() -> Thread.sleep(1)));
        assertThrows(AssertionError.class, () -> Switches.assertSwitched(() -> { }));
    }

    @Test
    void aParkingOperationPassesAndItsResultComesBack() throws Exception {
        assertEquals("slept", Switches.assertOthersRan(2, () -> {
            Fibers.sleep(Duration.ofMillis(30));
            return "slept";
        }));
        Fibers.spawn(() -> { });
        Switches.assertSwitched(() -> Fibers.sleep(Duration.ZERO)); // a yield that lets the new task run
    }

    @Test
    void theTickerIsGoneAfterwards() throws Exception {
        Switches.assertOthersRan(() -> Fibers.sleep(Duration.ofMillis(5)));
        assertEquals(0, hub.liveCount(), "the ticker was killed");
    }
}
