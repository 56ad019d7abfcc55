package io.loomlet.jmh.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The interleaved echo harness: servers side by side, window against window (issue #10 item 4). */
@Timeout(120)
class InterleavedEchoHarnessTest {
    private static InterleavedEchoHarness.Window w(int round, int cycle, String server, double rt, double cpuUs) {
        return new InterleavedEchoHarness.Window(round, cycle, 1, server, rt, 1.0, cpuUs, 0);
    }

    @Test
    void ratiosPairTheWindowsOfOneCycleAndTheIntervalIsOverRounds() {
        List<InterleavedEchoHarness.Window> all = List.of(
                w(1, 1, "hub", 200, 5), w(1, 1, "nio", 100, 4),
                w(1, 2, "hub", 300, 5), w(1, 2, "nio", 200, 4), // round 1: (2.0 + 1.5) / 2 = 1.75
                w(2, 1, "hub", 100, 5), w(2, 1, "nio", 100, 5),
                w(2, 2, "hub", 150, 5), w(2, 2, "nio", 100, 5)); // round 2: (1.0 + 1.5) / 2 = 1.25
        String rt = InterleavedEchoHarness.ratioRow(all, "hub", "nio", false);
        // mean 1.5; sd of (1.75, 1.25) = 0.3536, t(1) = 12.706: half = 12.706 * 0.3536 / sqrt(2) = 3.177
        assertTrue(rt.contains("| 1.750, 1.250 | **1.500 ± 3.177** |"), rt);
        // pooled over the 4 cycles: 2.0, 1.5, 1.0, 1.5
        assertTrue(rt.contains("1.500 ± "), rt);
        assertTrue(rt.endsWith("(4 cycles) |\n"), rt);
        String cpu = InterleavedEchoHarness.ratioRow(all, "hub", "nio", true);
        // nio's CPU per round trip over hub's: 0.8 in round 1, 1.0 in round 2
        assertTrue(cpu.contains("| 0.800, 1.000 | **0.900 ± "), cpu);
    }

    @Test
    void aWindowWithoutItsPartnerIsLeftOutAndNoPartnerAtAllSaysNoResult() {
        List<InterleavedEchoHarness.Window> all = List.of(w(1, 1, "hub", 200, 5), w(1, 1, "nio", 100, 4), w(1, 2, "hub", 300, 5));
        String one = InterleavedEchoHarness.ratioRow(all, "hub", "nio", false);
        assertTrue(one.contains("| 2.000 | 2.000 (one round: no interval) |"), one);
        assertTrue(InterleavedEchoHarness.ratioRow(all, "hub", "vthreads1", false).contains("no result"));
    }

    @Test
    void aRunDrivesEachServerInEveryPositionAndWritesEveryWindow(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("w.csv");
        // its own JVM: the harness exits when done; two server JVMs of its own
        JvmRun run = JvmRun.of(InterleavedEchoHarness.class, 100, "no-agent.jar", "no-examples",
                System.getProperty("java.class.path"), "--servers", "hub,nio", "--rounds", "2", "--cycles", "2", "--window", "0.5",
                "--warmup", "0.5", "--connections", "20", "--server-cpu", "none", "--client-cpu", "none", "--csv", csv.toString());
        String out = run.out();
        assertEquals(0, run.exit(), out);
        assertTrue(out.contains("interleaved: no errors"), out);
        assertTrue(out.matches("(?s).*\\| hub / nio \\| round trips/s \\| [0-9.]+, [0-9.]+ \\| \\*\\*[0-9.]+ ± [0-9.]+\\*\\* \\|.*"),
                out);
        List<String> rows = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertEquals(InterleavedEchoHarness.CSV_HEADER, rows.get(0));
        assertEquals(1 + 2 * 2 * 2, rows.size(), rows.toString()); // rounds × cycles × servers
        // cycle 1 runs hub first, cycle 2 nio first: each server in each position once per round
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("1,1,1,hub,")), rows.toString());
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("1,2,1,nio,")), rows.toString());
        for (String r : rows.subList(1, rows.size())) {
            String[] f = r.split(",");
            assertTrue(Double.parseDouble(f[4]) > 0, r); // round trips were made
            assertEquals("0", f[7], r); // no errors
            assertEquals("false", f[8], r); // not pinned (--server-cpu none)
        }
    }

    @Test
    void serversThatNeverListenFailTheRoundAndTheRun() throws Exception {
        JvmRun run = JvmRun.of(InterleavedEchoHarness.class, 100, "no-agent.jar", "no-examples", "/no/such/classpath",
                "--servers", "hub,nio", "--rounds", "1", "--cycles", "2", "--window", "0.5", "--warmup", "0.5",
                "--connections", "5", "--server-cpu", "none", "--client-cpu", "none");
        String out = run.out();
        assertEquals(1, run.exit(), out);
        assertTrue(out.contains("interleaved: round 1 FAILED"), out);
        assertTrue(out.contains("| hub | no result |"), out);
        assertTrue(out.contains("interleaved: ERRORS"), out);
    }
}
