package io.loomlet.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.FiberExit;
import io.loomlet.Fibers;
import io.loomlet.HubTestBase;
import io.loomlet.Task;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Channel's calls that never wait: {@code offer(item)} and {@code poll()} succeed only when the other
 * side waits already, and {@code isFull()}/{@code isEmpty()} tell so beforehand. The rendezvous itself
 * is in SyncTest, the waiting contract in WaitContractTest.
 */
class ChannelTest extends HubTestBase {

    @Test
    void offerGivesOnlyToAGetterWaitingNow() {
        Channel<String> c = new Channel<>();
        assertTrue(c.isFull(), "nobody to give to");
        assertFalse(c.offer("x"));
        assertEquals(0, c.putters(), "offer never waits");
        assertTrue(c.isEmpty(), "the refused item was not kept");

        Task<String> getter = Fibers.spawn(() -> c.get());
        Fibers.sleep(Duration.ZERO);
        assertFalse(c.isFull(), "a getter waits");
        assertTrue(c.offer("y"));
        assertTrue(c.isFull(), "that getter has been served");
        assertFalse(c.offer("z"));
        assertEquals("y", getter.get());

        assertEquals("item", assertThrows(NullPointerException.class, () -> c.offer(null)).getMessage());
    }

    @Test
    void pollTakesOnlyFromAPutterWaitingNow() {
        Channel<String> c = new Channel<>();
        assertTrue(c.isEmpty());
        assertNull(c.poll());

        Trace t = new Trace();
        Task<Void> putter = Fibers.spawn(() -> {
            c.put("x");
            t.add("put returned");
        });
        Fibers.sleep(Duration.ZERO);
        assertFalse(c.isEmpty(), "a putter waits");
        assertEquals("x", c.poll());
        assertTrue(c.isEmpty());
        assertNull(c.poll());
        putter.join();
        assertTrue(putter.isSuccessful());
        assertEquals("put returned", t.toString());
    }

    @Test
    void aPutterCancelledWhileWaitingLeavesNothingToPoll() {
        Channel<String> c = new Channel<>();
        Task<Void> putter = Fibers.spawn(() -> c.put("x"));
        Fibers.sleep(Duration.ZERO);
        assertFalse(c.isEmpty());
        // The kill takes the putter off the wait list at once; its offer lingers until it runs.
        putter.kill(new FiberExit(), false, null);
        assertTrue(c.isEmpty(), "the putter is gone");
        assertNull(c.poll());
        putter.join();
        assertTrue(putter.isKilled());

        assertFalse(Fibers.spawn(() -> c.offer("y", Duration.ofMillis(5))).get(), "nobody took it");
        assertTrue(c.isEmpty(), "a putter that timed out left nothing either");
        assertNull(c.poll());
    }

    @Test
    void anItemACancelledGetterWasHandedCanBePolled() {
        Channel<String> c = new Channel<>();
        Task<String> getter = Fibers.spawn(() -> c.get());
        Fibers.sleep(Duration.ZERO);
        assertTrue(c.offer("x")); // handed to the getter, which has not run yet
        getter.kill(new FiberExit(), false, null);
        getter.join();
        assertTrue(getter.isKilled());
        assertFalse(c.isEmpty(), "the channel holds the item the getter gave back");
        assertEquals(0, c.putters());
        assertEquals("x", c.poll());
        assertTrue(c.isEmpty());
    }
}
