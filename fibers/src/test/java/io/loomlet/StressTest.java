package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * Scale: a million sleeping fibers, 100,000 tasks through a Pool, a million switches. In the default
 * suite (about 10 s on 2 cores); -Dloomlet.stress=false skips it. Counts are asserted, not times:
 * speed belongs to jmh/.
 */
@DisabledIfSystemProperty(named = "loomlet.stress", matches = "false")
class StressTest extends HubTestBase {

    @Test
    void millionSleepingFibers() {
        int n = 1_000_000;
        int[] woke = {0};
        Fiber.Body sleeper = v -> {
            Fibers.sleep(200);
            woke[0]++;
            return null;
        };
        for (int i = 0; i < n; i++) {
            Fiber f = new Fiber(null, sleeper, hub.hubFiber); // plain fibers parented to the hub, queued to start
            hub.enqueueNew(f);
        }
        assertEquals(n, hub.liveCount());
        while (hub.liveCount() > 0) {
            Fibers.sleep(50);
        }
        assertEquals(n, woke[0]);
    }

    @Test
    void hundredThousandTasksThroughAPool() {
        Pool pool = new Pool(1000);
        long[] sum = {0};
        for (int i = 0; i < 100_000; i++) {
            int v = i;
            pool.spawn(() -> {
                Fibers.sleep(Duration.ZERO);
                sum[0] += v;
            });
        }
        pool.join();
        assertEquals(100_000L * 99_999 / 2, sum[0]);
        assertEquals(1000, pool.freeCount());
    }

    @Test
    void millionSwitches() {
        int n = 1_000_000;
        Fiber[] pp = new Fiber[2];
        int[] count = {0};
        pp[0] = new Fiber(v -> {
            for (int i = 0; i < n / 2; i++) {
                count[0]++;
                pp[1].switchTo();
            }
            return "ping done";
        });
        pp[1] = new Fiber(v -> {
            for (;;) {
                count[0]++;
                pp[0].switchTo();
            }
        });
        assertEquals("ping done", pp[0].switchTo());
        assertEquals(n, count[0]);
        List<Fiber> left = new ArrayList<>(hub.liveFibers());
        assertTrue(left.contains(pp[1]), "pong is suspended in its switch; close() kills it");
    }
}
