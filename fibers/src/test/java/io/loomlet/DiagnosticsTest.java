package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.sync.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiagnosticsTest extends HubTestBase {

    static void parkHereForTheDump(Event e) {
        e.await();
    }

    @Test
    void dumpShowsEveryFiberWithItsStack() throws Exception {
        Event e = new Event();
        Task<Void> t = Fibers.spawn("dump-me", () -> parkHereForTheDump(e));
        Fibers.sleep(Duration.ZERO);
        try (HubGroup g = new HubGroup(1, "dump-hub-")) {
            Task<Void> remote = g.spawn(() -> Fibers.sleep(Duration.ofHours(1)));
            Fibers.sleep(20);
            String dump = Fibers.dump();
            assertTrue(dump.contains("dump-me [parked] task waiting for Event"), dump);
            assertTrue(dump.contains("parkHereForTheDump"), dump);
            assertTrue(dump.contains("hub of thread dump-hub-0"), dump);
            assertTrue(dump.contains("waiting for sleep"), dump);
            remote.kill();
        }
        e.set();
        t.join();
    }

    @Test
    void watchdogReportsAStalledHubWithTheStackOfTheFiberHoldingIt() throws Exception {
        List<String> reports = new ArrayList<>();
        Watchdog.setReporter(s -> {
            synchronized (reports) {
                reports.add(s);
            }
        });
        Watchdog.enable(Duration.ofMillis(50));
        try {
            Task<Void> hog = Fibers.spawn("hog", DiagnosticsTest::spinWithoutYielding);
            hog.join();
        } finally {
            Watchdog.disable();
        }
        synchronized (reports) {
            String all = String.join("\n", reports);
            assertTrue(all.contains("has not switched for"), all);
            assertTrue(all.contains("fiber 'hog' holds it"), all);
            assertTrue(all.contains("spinWithoutYielding"), all);
        }
    }

    static void spinWithoutYielding() {
        long end = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
