package io.loomlet.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PairedForksHarness: real JMH forks, one iteration each, so the CSV's shape is what Report reads. */
class PairedForksHarnessTest {
    private static final String BARE = "SwitchBenchmark.bareContinuation";
    private static final String SW = "SwitchBenchmark.fiberPingPong";

    @Test
    void eachRoundRunsOneForkOfEachSideInAlternatingOrderAndAFailedPairLeavesOnlyItsOwnRows(@TempDir Path dir)
            throws Exception {
        Path csv = dir.resolve("pairs.csv");
        PairedForksHarness.main(new String[] {"--pair", SW + "," + BARE, "--pair", BARE + ",SwitchBenchmark.noSuchBenchmark",
            "--rounds", "2", "--warmup", "0", "--iterations", "1", "--csv", csv.toString()});
        List<String> lines = Files.readAllLines(csv);
        assertEquals(PairedForksHarness.CSV_HEADER, lines.get(0));
        List<List<String>> rows = lines.subList(1, lines.size()).stream().map(l -> List.of(l.split(","))).toList();
        // the pair with a missing benchmark wrote nothing; the other, two rows a round
        assertEquals(4, rows.size(), lines.toString());
        assertEquals(List.of("1", SW + "/" + BARE, "1", SW), rows.get(0).subList(0, 4));
        assertEquals(List.of("1", SW + "/" + BARE, "2", BARE), rows.get(1).subList(0, 4));
        assertEquals(List.of("2", SW + "/" + BARE, "1", BARE), rows.get(2).subList(0, 4), "the order swaps in round 2");
        assertEquals(List.of("2", SW + "/" + BARE, "2", SW), rows.get(3).subList(0, 4));
        for (List<String> r : rows) {
            double ns = Double.parseDouble(r.get(4));
            assertTrue(ns > 1 && ns < 100_000, "a switch takes nanoseconds: " + r);
        }
        Report report = new Report();
        report.expectPairedForks(csv);
        assertEquals(2, report.pairedRounds(SW, BARE).length);
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyFork(@TempDir Path dir) {
        String out = dir.resolve("x.csv").toString();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedForksHarness.main(new String[] {"--pair", SW,
            "--csv", out})).getMessage().contains("two benchmark names"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedForksHarness.main(new String[] {"--pair",
            SW + "," + BARE})).getMessage().contains("usage"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedForksHarness.main(new String[] {"--pair",
            SW + "," + BARE, "--rounds", "0", "--csv", out})).getMessage().contains("at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedForksHarness.main(new String[] {"--forks", "2"}))
                .getMessage().contains("unknown argument --forks"));
        assertTrue(!Files.exists(Path.of(out)), "nothing written");
    }
}
