package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.sync.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Close completes everything: tasks spawned for later or sent from another thread end as killed,
 * their joiners wake, and a HubGroup.spawn racing close() never leaves a task pending. And a
 * wait that another thread will end is not taken for a deadlock.
 */
class CloseTest extends HubTestBase {

    @Test
    void aTaskSpawnedForLaterEndsKilledAndItsJoinerOnAnotherThreadWakes() throws Exception {
        Task<String> later = Fibers.spawnLater(Duration.ofHours(1), () -> "never");
        AtomicReference<Boolean> joined = new AtomicReference<>();
        Thread joiner = new Thread(() -> joined.set(later.join(Duration.ofSeconds(10))));
        joiner.start();
        Thread.sleep(50); // the joiner parks on its own hub, waiting for this one
        hub.close();
        joiner.join(10_000);
        assertEquals(Boolean.TRUE, joined.get(), "the joiner woke because the task ended");
        assertTrue(later.isReady() && later.isKilled(), later.toString());
        assertFalse(later.isStarted());
    }

    @Test
    void aTaskSpawnedForAHugeDelayEndsKilledTooWhenTheHubCloses() {
        Task<String> never = Fibers.spawnLater(Duration.ofNanos(Long.MAX_VALUE), () -> "never");
        hub.close();
        assertTrue(never.isReady() && never.isKilled(), never.toString());
    }

    @Test
    void tasksSentFromAnotherThreadThatNeverStartedEndKilled() throws Exception {
        AtomicReference<Hub> ref = new AtomicReference<>();
        CountDownLatch made = new CountDownLatch(1);
        Thread owner = new Thread(() -> {
            Hub h = Hub.current();
            ref.set(h);
            made.countDown();
            h.run();
            h.close();
        }, "close-test-hub");
        owner.start();
        made.await();
        Hub h = ref.get();
        CountDownLatch spinning = new CountDownLatch(1);
        // The hub takes the callback and the stop in one pass, then spins in the callback without
        // yielding: what is sent meanwhile is still in its inbox when stop lets run() return.
        h.callSoonThreadsafe(() -> {
            spinning.countDown();
            long end = System.nanoTime() + 200_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        });
        h.stop();
        spinning.await();
        List<Task<String>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Task<String> t = new Task<>(h, null, () -> "ran");
            assertTrue(h.sendFromAnyThread(t.starter()), "the hub is not closed yet");
            sent.add(t);
        }
        owner.join(10_000);
        assertTrue(h.isClosed());
        for (Task<String> t : sent) {
            assertTrue(t.join(Duration.ofSeconds(5)), "never left pending: " + t);
            assertTrue(t.isKilled(), t.toString());
            assertFalse(t.isStarted(), t.toString());
        }
    }

    @Test
    void spawnRacingCloseNeverLeavesATaskPending() throws Exception {
        for (int round = 0; round < 20; round++) {
            HubGroup group = new HubGroup(1, "race-" + round + "-");
            ConcurrentLinkedQueue<Task<Integer>> spawned = new ConcurrentLinkedQueue<>();
            AtomicBoolean refused = new AtomicBoolean();
            Thread spawner = new Thread(() -> {
                for (int i = 0; i < 100_000 && !refused.get(); i++) {
                    try {
                        spawned.add(group.spawn(() -> {
                            Fibers.sleep(1);
                            return 1;
                        }));
                    } catch (IllegalStateException closed) {
                        refused.set(true); // "HubGroup is closed": nothing was left half-sent
                    }
                }
            });
            spawner.start();
            Thread.sleep(2);
            group.close();
            spawner.join(10_000);
            for (Task<Integer> t : spawned) {
                assertTrue(t.join(Duration.ofSeconds(5)), "round " + round + ": left pending: " + t);
            }
        }
    }

    @Test
    void aRootWaitingForAnotherThreadsCallSoonThreadsafeWaits() throws Exception {
        Event set = new Event();
        Hub h = hub;
        Thread other = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            h.callSoonThreadsafe(set::set);
        });
        other.start();
        long start = System.nanoTime();
        assertTrue(set.await(), "woken by the other thread, not LoopExit");
        assertTrue(System.nanoTime() - start >= 150_000_000L);
        other.join();
    }

    @Test
    void aParkDeclaredOtherThreadIsNeverHopelessEvenWithOnlyDaemonThreadsLeft() throws Exception {
        Fiber root = Fiber.current();
        int id = Park.parkId(root);
        Thread waker = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            Park.unparkFromAnyThread(root, id, "from the daemon");
        });
        waker.setDaemon(true);
        waker.start();
        assertEquals("from the daemon", Park.park("daemon's wake", Park.NO_DEADLINE, Park.Wake.OTHER_THREAD, null));
        // the same wait declared SAME_HUB, with nobody left to end it, is LoopExit at once
        assertTrue(assertThrows(LoopExit.class,
                () -> Park.park("nobody", Park.NO_DEADLINE, Park.Wake.SAME_HUB, null))
                .getMessage().contains("would block forever"));
    }
}
