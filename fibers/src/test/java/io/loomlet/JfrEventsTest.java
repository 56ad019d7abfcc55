package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** #11 item 7: Loomlet's JFR events, recorded in a forked JVM and read back with the JDK's parser. */
class JfrEventsTest {

    @Test
    void aRecordingHoldsLoomletsEvents() throws Exception {
        Path dir = Files.createTempDirectory("loomlet-jfr");
        Path file = dir.resolve("events.jfr");
        ForkedJvm.Result r = ForkedJvm.main(JfrEventsMain.class).exports()
                .jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED", "-XX:StartFlightRecording")
                .args(file.toString()).timeout(Duration.ofSeconds(60)).run();
        assertTrue(r.out().contains("JFR-MAIN done"), r.out());
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Map<String, List<RecordedEvent>> byName = new HashMap<>();
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().startsWith("loomlet.")) {
                byName.computeIfAbsent(e.getEventType().getName(), k -> new java.util.ArrayList<>()).add(e);
            }
        }
        assertTrue(byName.containsKey("loomlet.HubStall"), byName.keySet().toString());
        RecordedEvent stall = byName.get("loomlet.HubStall").getFirst();
        assertEquals("jfr-spinner", stall.getString("holder"));
        assertTrue(stall.getString("stack").contains("JfrEventsMain.spin"), stall.getString("stack"));

        assertTrue(byName.containsKey("loomlet.CarrierBlocked"), byName.keySet().toString());
        RecordedEvent blocked = byName.get("loomlet.CarrierBlocked").getFirst();
        assertEquals("jfr-vthread", blocked.getString("virtualThread"));

        assertTrue(byName.containsKey("loomlet.PinnedYield"), byName.keySet().toString());
        assertEquals("jfr-pinned", byName.get("loomlet.PinnedYield").getFirst().getString("fiber"));

        assertTrue(byName.containsKey("loomlet.HubStatistics"), byName.keySet().toString());
        RecordedEvent stats = byName.get("loomlet.HubStatistics").getLast();
        assertTrue(stats.getLong("spawned") >= 3 && stats.getInt("liveFibers") >= 1, stats.toString());

        assertTrue(byName.containsKey("loomlet.FiberDump"), byName.keySet().toString());
        assertTrue(byName.get("loomlet.FiberDump").stream().anyMatch(e -> e.getString("dump").contains("jfr-sleeper")),
                byName.get("loomlet.FiberDump").toString());
    }

    @Test
    void aRecordingStartedLaterStillGetsTheStatisticsAndTheDump() throws Exception {
        Path file = Files.createTempDirectory("loomlet-jfr").resolve("late.jfr");
        ForkedJvm.Result r = ForkedJvm.main(JfrEventsMain.class).exports()
                .args(file.toString(), "late").timeout(Duration.ofSeconds(60)).run();
        assertTrue(r.out().contains("JFR-MAIN done"), r.out());
        List<String> names = RecordingFile.readAllEvents(file).stream().map(e -> e.getEventType().getName())
                .filter(n -> n.startsWith("loomlet.")).distinct().toList();
        assertTrue(names.contains("loomlet.HubStatistics") && names.contains("loomlet.FiberDump"), names.toString());
    }
}
