package io.loomlet.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's verdicts with errors (#10 item 1) and its splice into a hand-edited BENCHMARKS.md. */
class ReportTest {
    /** NioEchoHarness's CSV header before it recorded the pinned CPUs (it now adds serverCpus,clientCpus). */
    private static final String ECHO_HEADER = "server,round,connections,size,seconds,roundTrips,rtPerSecond,p50us,p99us,"
            + "p999us,maxUs,errors,connectErrors,resets,badEchoes,eofs,live,serverCpuPerSecond,clientCpuPerSecond,"
            + "otherCpuPerSecond,serverCpuUsPerRoundTrip,serverReadCallsPerRoundTrip,serverWriteCallsPerRoundTrip";

    private static Report withScores(double a, double errA, double b, double errB) {
        Report r = new Report();
        r.putScore("A", a, errA);
        r.putScore("B", b, errB);
        return r;
    }

    @Test
    void aRatioIsMetOnlyWhenItClearsTheGoalWithItsError() {
        Report clear = withScores(100, 2, 100, 2); // 1.00 ± 0.03
        clear.atMost("goal", clear.ratio("A", "B"), 1.1, "");
        assertTrue(clear.verdicts().get(0).contains("**met**"), clear.verdicts().toString());

        Report within = withScores(105, 5, 100, 5); // 1.05 ± 0.07: 1.1 inside the interval
        within.atMost("goal", within.ratio("A", "B"), 1.1, "");
        assertTrue(within.verdicts().get(0).contains("indicative"), within.verdicts().toString());

        Report missed = withScores(130, 2, 100, 2); // 1.30 ± 0.04
        missed.atMost("goal", missed.ratio("A", "B"), 1.1, "");
        assertTrue(missed.verdicts().get(0).contains("**not met**"), missed.verdicts().toString());

        Report atLeast = withScores(300, 3, 100, 1);
        atLeast.atLeast("goal", atLeast.ratio("A", "B"), 2, "");
        assertTrue(atLeast.verdicts().get(0).contains("**met**"), atLeast.verdicts().toString());
    }

    @Test
    void aRatioErrorAddsTheRelativeErrorsInQuadrature() {
        Report.Ratio q = withScores(200, 6, 100, 4).ratio("A", "B"); // 3% and 4%: 5% of 2.0
        assertEquals(2.0, q.value(), 1e-9);
        assertEquals(0.10, q.error(), 1e-9);
    }

    @Test
    void aScoreWhoseErrorIsOverTenPercentIsMarkedNoisy() {
        Report r = withScores(100, 11, 100, 9);
        assertTrue(r.noisy("A"));
        assertFalse(r.noisy("B"));
        assertTrue(r.ns("A").contains("noisy"), r.ns("A"));
    }

    @Test
    void echoRatiosArePairedByRound() {
        Report r = new Report();
        r.putEcho("hubgroup2", List.of(50.0, 50.0, 50.0)); // first, and the hub's name is a prefix of it: not taken for it
        r.putEcho("hub", List.of(100.0, 110.0, 90.0));
        r.putEcho("nio", List.of(100.0, 100.0, 100.0));
        Report.Ratio q = r.echoRatio("hub", "nio"); // 1.0, 1.1, 0.9: mean 1.0, sd 0.1, t(2) 4.30
        assertEquals(1.0, q.value(), 1e-9);
        assertEquals(4.30 * 0.1 / Math.sqrt(3), q.error(), 1e-9);
    }

    @Test
    void theEchoHarnessCsvGivesTheEchoVerdictsPairedByRound(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // NioEchoHarness's header; two rounds of hub and nio, the hub at 0.96 and 0.98 of nio: mean 0.97 ± 0.127
        Report r = reportOf(dir, ECHO_HEADER + ",serverCpus,clientCpus", ""
                + "hub,1,500,64,10,1920000,192000,2400,4700,8000,80000,0,0,0,0,0,500,0.95,0.94,0.01,4.95,1,1,0,1\n"
                + "nio,1,500,64,10,2000000,200000,2300,4500,7900,50000,0,0,0,0,0,500,0.99,0.99,0.19,4.90,1,1,0,1\n"
                + "nio,2,500,64,10,2000000,200000,2300,4500,7900,50000,2,0,2,0,0,500,0.99,0.99,0.01,4.80,1,1,0,1\n"
                + "hub,2,500,64,10,1960000,196000,2400,4700,8000,80000,0,0,0,0,0,500,0.95,0.94,0.01,4.90,1,1,0,1\n");
        Report.Ratio q = r.echoRatio("hub", "nio");
        assertEquals(0.97, q.value(), 1e-9);
        assertEquals(12.71 * 0.01, q.error(), 1e-6); // t(1) × sd (0.01 √2) / √2
        assertEquals((4.90 / 4.95 + 4.80 / 4.90) / 2, r.echoRatio("hub", "nio", true).value(), 1e-9);
        String block = r.write("cmd", "quick");
        assertTrue(block.contains("| echo: one hub at least 0.95x the bare NIO loop, independent client, pinned (#10) | "
                + "indicative (within error) | 0.97 ± 0.13x; round trips/s (noisy: error 13%), paired by round over 2 rounds"),
                "round 2 came in reverse order and is still paired by its number:\n" + block);
        assertTrue(block.contains("| StreamServer, one hub, pinned |"), block);
        assertTrue(block.contains("| echo: one hub at least 0.8x the bare NIO loop (DESIGN.md) | **met**"), "0.84 and up:\n" + block);
        assertTrue(block.contains("| echo: no errors (connects, resets, wrong or short echoes, EOFs) | **not met** | 2 in 4 runs"),
                block);
        assertTrue(block.contains("| 0 of 2 |"), "0.19 CPU s/s is under the noisy mark:\n" + block);
        assertTrue(block.contains("no result for echo server vthreads1 in this run (see echo-pinned.log"),
                "servers not in this run say so:\n" + block);
    }

    /** A report that has read one echo CSV of {@code header} and {@code rows}, written in {@code dir}. */
    private static Report reportOf(java.nio.file.Path dir, String header, String rows) throws Exception {
        java.nio.file.Path csv = java.nio.file.Files.createTempFile(dir, "echo", ".csv");
        java.nio.file.Files.writeString(csv, header + "\n" + rows);
        Report r = new Report();
        r.readEcho(csv);
        return r;
    }

    /**
     * A report from ConnectionsHarness's CSV rows (run,n,echoes,heap,rss,clientErrors,serverErrors,
     * chunks,words,live,handler,ok; a run's own row has echoes -1).
     */
    private static Report connectionsReport(java.nio.file.Path dir, String rows) throws Exception {
        java.nio.file.Path csv = java.nio.file.Files.createTempFile(dir, "connections", ".csv");
        java.nio.file.Files.writeString(csv, io.loomlet.jmh.echo.ConnectionsHarness.CSV_HEADER + "\n" + rows);
        Report r = new Report();
        r.expectConnections(csv);
        r.write("cmd", "careful");
        return r;
    }

    private static String verdictOf(Report r, String goalStart) {
        return r.verdicts().stream().filter(v -> v.startsWith("| " + goalStart)).findFirst().orElseThrow(
                () -> new AssertionError("no verdict " + goalStart + " in " + r.verdicts()));
    }

    private static final String SW = "SwitchBenchmark.fiberPingPong";
    private static final String BARE = "SwitchBenchmark.bareContinuation";

    @Test
    void theSwitchGoalIsJudgedFromPairedForksWithTheJmhRunBesideIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // the JMH run alone: 1.18 ± 0.19, indicative; four paired rounds 1.04–1.06: met
        java.nio.file.Path csv = dir.resolve("paired.csv");
        StringBuilder rows = new StringBuilder(PairedForksHarness.CSV_HEADER).append('\n');
        double[][] rounds = {{104, 100}, {127.2, 120}, {105, 100}, {115.5, 110}};
        for (int i = 0; i < rounds.length; i++) {
            // the order alternates as the harness writes it
            String first = i % 2 == 0 ? SW : BARE;
            String second = i % 2 == 0 ? BARE : SW;
            rows.append(i + 1).append(',').append(SW).append('/').append(BARE).append(",1,").append(first).append(',')
                    .append(first.equals(SW) ? rounds[i][0] : rounds[i][1]).append(",1.0\n");
            rows.append(i + 1).append(',').append(SW).append('/').append(BARE).append(",2,").append(second).append(',')
                    .append(second.equals(SW) ? rounds[i][0] : rounds[i][1]).append(",1.0\n");
        }
        java.nio.file.Files.writeString(csv, rows);
        Report r = new Report();
        r.putScore(SW, 170, 22.5);
        r.putScore(BARE, 144, 13);
        r.expectPairedForks(csv);
        assertArrayEquals(new double[] {1.04, 1.06, 1.05, 1.05}, r.pairedRounds(SW, BARE), 1e-9);
        r.write("cmd", "careful");
        String v = verdictOf(r, "fiber switch within 1.1x");
        assertTrue(v.contains("**met** | 1.05 ± 0.01x; forks paired seconds apart, 4 rounds; the JMH run (all forks of one "
                + "benchmark, then the other): 1.18 ± 0.19x"), v);

        // expected, but the harness wrote nothing: the JMH run's ratio, saying so
        Report none = new Report();
        none.putScore(SW, 170, 22.5);
        none.putScore(BARE, 144, 13);
        none.expectPairedForks(dir.resolve("missing.csv"));
        none.write("cmd", "careful");
        String w = verdictOf(none, "fiber switch within 1.1x");
        assertTrue(w.contains("indicative (within error) | 1.18 ± 0.19x") && w.contains("the paired forks gave no result"), w);

        // one round: no interval, so no verdict either way
        Report one = new Report();
        one.putPairedFork(1, SW, BARE, SW, 104);
        one.putPairedFork(1, SW, BARE, BARE, 100);
        one.write("cmd", "careful");
        assertTrue(verdictOf(one, "fiber switch within 1.1x").contains("indicative (within error) | 1.04 (error unknown)x; "
                + "forks paired seconds apart, 1 round (no error)"), one.verdicts().toString());
    }

    private static final String TWO_CLEAN_RUNS = "1,19500,-1,,,,,,,,recv,true\n2,19500,-1,,,,,,,,recv,true\n";

    @Test
    void theIdleConnectionGoalIsMetOnlyWhenEveryRunAndStepAtTheTopIsUnder2Kb(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String lowerSteps = "1,1000,1,2500.0,100.0,0,0,,,,recv,true\n"; // below the top N: not judged
        String top = "1,19500,1,1665.0,70.0,0,0,1.00,66.0,64.0,recv,true\n1,19500,2,1667.0,80.0,0,0,1.00,66.0,64.0,recv,true\n"
                + "2,19500,1,1990.0,70.0,0,0,1.00,90.0,88.0,recv,true\n";
        Report met = connectionsReport(dir, lowerSteps + top + "2,19500,2,2040.0,80.0,0,0,1.00,90.0,88.0,recv,true\n"
                + TWO_CLEAN_RUNS);
        assertTrue(verdictOf(met, "at most 2 KB").contains("**met**"), met.verdicts().toString());
        assertTrue(verdictOf(met, "at most 2 KB").contains("1,665–2,040 B at 19,500 connections"), met.verdicts().toString());
        assertTrue(verdictOf(met, "at most 2 KB").contains("every handler in one stack chunk"), met.verdicts().toString());
        assertTrue(verdictOf(met, "one hub holds").contains("**met**"), met.verdicts().toString());

        Report mixed = connectionsReport(dir, top + "2,19500,2,2806.0,80.0,0,0,2.00,198.0,104.0,recv,true\n" + TWO_CLEAN_RUNS);
        assertTrue(verdictOf(mixed, "at most 2 KB").contains("indicative (runs on both sides)"), mixed.verdicts().toString());
        assertTrue(!verdictOf(mixed, "at most 2 KB").contains("one stack chunk"), mixed.verdicts().toString());

        Report over = connectionsReport(dir, "1,19500,1,2100.0,70.0,0,0,1.00,66.0,64.0,talk,true\n"
                + "1,19500,-1,,,,,,,,talk,true\n");
        assertTrue(verdictOf(over, "at most 2 KB").contains("**not met**"), over.verdicts().toString());
        assertTrue(verdictOf(over, "at most 2 KB").contains("`talk` handler"), over.verdicts().toString());

        Report one = connectionsReport(dir, "1,19500,1,1665.0,70.0,0,0,1.00,66.0,64.0,recv,true\n"
                + "1,19500,-1,,,,,,,,recv,true\n");
        assertTrue(verdictOf(one, "at most 2 KB").contains("indicative (one run)"), one.verdicts().toString());
    }

    @Test
    void anErrorAWrongCountOrAnUnfinishedRunFailsTheConnectionsVerdicts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Report error = connectionsReport(dir, "1,1000,1,1600.0,70.0,1,0,,,,recv,false\n"
                + "1,19500,1,1665.0,70.0,0,0,1.00,66.0,64.0,recv,true\n" + TWO_CLEAN_RUNS);
        assertTrue(verdictOf(error, "one hub holds").contains("**not met**"), error.verdicts().toString());
        assertTrue(verdictOf(error, "at most 2 KB").contains("indicative"), error.verdicts().toString());

        Report wrongCount = connectionsReport(dir, "1,19500,1,1665.0,70.0,0,0,1.00,66.0,64.0,recv,false\n"
                + "1,19500,-1,,,,,,,,recv,false\n");
        assertTrue(verdictOf(wrongCount, "one hub holds").contains("**not met**"), wrongCount.verdicts().toString());

        // run 2 failed after its first step: its steps look clean, its own row does not
        Report unfinished = connectionsReport(dir, "1,19500,1,1665.0,70.0,0,0,1.00,66.0,64.0,recv,true\n"
                + "2,1000,1,1600.0,70.0,0,0,,,,recv,true\n1,19500,-1,,,,,,,,recv,true\n2,1000,-1,,,,,,,,recv,false\n");
        assertTrue(verdictOf(unfinished, "one hub holds").contains("**not met**"), unfinished.verdicts().toString());
        assertTrue(verdictOf(unfinished, "at most 2 KB").contains("indicative (run(s) [2]"), unfinished.verdicts().toString());
    }

    @Test
    void interleavedWindowsJudgeTheOneHubGoalsWithTheWiderOfTheRoundAndThePooledInterval() {
        Report r = new Report();
        // two rounds of two cycles; hub/nio per cycle 0.98, 1.00 | 0.96, 0.99: round means 0.99 and 0.975
        double[] hub = {98, 100, 96, 99};
        for (int i = 0; i < 4; i++) {
            r.putInterleaved(1 + i / 2, 1 + i % 2, "hub", hub[i], 5.0);
            // nio's CPU per round trip over the hub's is the same ratio as the round trips
            r.putInterleaved(1 + i / 2, 1 + i % 2, "nio", 100, 5.0 * hub[i] / 100);
        }
        Report.Ratio q = r.interleavedRatio("hub", "nio", false);
        assertEquals(0.9825, q.value(), 1e-9);
        // over rounds: sd of (0.99, 0.975) = 0.0106, t(1) 12.71: 0.095; pooled: sd of the four 0.0171, t(3) 3.18: 0.027
        assertEquals(12.71 * Math.sqrt(0.0001125) / Math.sqrt(2), q.error(), 1e-6);
        assertEquals(0.9825, r.interleavedRatio("hub", "nio", true).value(), 1e-9);
        assertEquals("4 cycles in 2 rounds", r.interleavedCounts("hub", "nio"));
        String block = r.write("cmd", "careful");
        assertTrue(block.contains("| echo: one hub at least 0.95x the bare NIO loop, independent client, pinned (#10) | "
                + "indicative (within error) | 0.98 ± 0.10x; round trips/s, windows interleaved while both run, "
                + "4 cycles in 2 rounds"),
                block);
        assertTrue(block.contains("| echo: one hub at least 0.8x the bare NIO loop (DESIGN.md) | **met**"), block);
        assertTrue(block.contains("no result for interleaved windows of both echo servers hub and vthreads1 in this run "
                + "(see interleaved.log)"), block);
        assertTrue(block.contains("## Echo, windows interleaved"), block);
    }

    @Test
    void oneInterleavedRoundGivesNoIntervalAndAMissingFileSaysNoResult(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Report one = new Report();
        one.putInterleaved(1, 1, "hub", 200, 5);
        one.putInterleaved(1, 1, "nio", 100, 5);
        one.putInterleaved(1, 2, "hub", 200, 5);
        one.putInterleaved(1, 2, "nio", 100, 5);
        one.write("cmd", "quick");
        // 2.0 with no interval: the JVMs of one round could have been lucky
        assertTrue(verdictOf(one, "echo: one hub at least 1.2x").contains("no result"), one.verdicts().toString());
        assertTrue(verdictOf(one, "echo: one hub at least 0.95x").contains("indicative (within error) | 2.00 (error unknown)x"),
                one.verdicts().toString());

        Report none = new Report();
        none.expectInterleaved(dir.resolve("interleaved.csv")); // the harness crashed before writing it
        String block = none.write("cmd", "quick");
        assertTrue(verdictOf(none, "echo: one hub at least 0.95x").contains("| no result |"), none.verdicts().toString());
        assertTrue(block.contains("No result: the interleaved harness wrote nothing"), block);
    }

    @Test
    void theInterleavedCsvIsReadByItsHeaderWithErrorsAndPinning(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path csv = dir.resolve("interleaved.csv");
        java.nio.file.Files.writeString(csv, io.loomlet.jmh.echo.InterleavedEchoHarness.CSV_HEADER + "\n"
                + "1,1,1,hub,190000.0,0.98,5.2,0,false\n1,1,2,nio,200000.0,0.99,5.0,3,false\n");
        Report r = new Report();
        r.expectInterleaved(csv);
        r.putEcho("hub", List.of(100.0));
        r.write("cmd", "quick");
        assertEquals(0.95, r.interleavedRatio("hub", "nio", false).value(), 1e-9);
        assertEquals(5.0 / 5.2, r.interleavedRatio("hub", "nio", true).value(), 1e-9);
        assertTrue(verdictOf(r, "echo: one hub at least 0.95x the bare NIO loop, independent client, NOT pinned").length() > 0);
        assertTrue(verdictOf(r, "echo: no errors").contains("**not met** | 0 in 1 runs, 3 in 2 interleaved windows"),
                r.verdicts().toString());
    }

    @Test
    void aMissingConnectionsResultSaysSoInsteadOfDroppingTheGoals(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Report r = new Report();
        r.expectConnections(dir.resolve("connections.csv")); // the harness crashed before writing it
        r.write("cmd", "quick");
        assertTrue(verdictOf(r, "at most 2 KB").contains("| no result |"), r.verdicts().toString());
        assertTrue(verdictOf(r, "one hub holds").contains("| no result |"), r.verdicts().toString());
    }

    @Test
    void noisyEchoRoundsAreLeftOutOfTheRatiosAndCounted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // round 2: another process took 1.2 CPU s/s during the hub's window (column otherCpuPerSecond)
        Report r = reportOf(dir, ECHO_HEADER, ""
                + "hub,1,500,64,10,1900000,190000,1,1,1,1,0,0,0,0,0,500,1,1,0,5.0,1,1\n"
                + "nio,1,500,64,10,2000000,200000,1,1,1,1,0,0,0,0,0,500,1,1,0,4.8,1,1\n"
                + "hub,2,500,64,10,200000,20000,1,1,1,1,0,0,0,0,0,500,1,1,1.2,9.0,1,1\n"
                + "nio,2,500,64,10,2000000,200000,1,1,1,1,0,0,0,0,0,500,1,1,0,4.8,1,1\n"
                + "hub,3,500,64,10,2100000,210000,1,1,1,1,0,0,0,0,0,500,1,1,0.1,4.9,1,1\n"
                + "nio,3,500,64,10,2000000,200000,1,1,1,1,0,0,0,0,0,500,1,1,0,4.8,1,1\n");
        double[] q = r.pairedRatios("hub", "nio", false);
        assertEquals(2, q.length, "the disturbed round 2 would pull the mean to 0.70");
        assertEquals(0.95, q[0], 1e-9);
        assertEquals(1.05, q[1], 1e-9);
        assertEquals(1.00, r.echoRatio("hub", "nio").value(), 1e-9);
        assertEquals("2 of 3 rounds (1 left out as noisy)", r.echoPairs("hub", "nio"));
        String block = r.write("cmd", "careful");
        assertTrue(block.contains("| 1 of 3 |"), "the hub's second window was noisy:\n" + block);
        assertTrue(block.contains("paired by round over 2 of 3 rounds (1 left out as noisy)"), block);
    }

    @Test
    void echoRoundsArePairedByNumberAndFailedOrMissingRoundsAreLeftOutAndCounted(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        // An older CSV (no pinning columns: taken as not pinned); round 2 of nio is missing, round 3 of the hub failed.
        Report r = reportOf(dir, ECHO_HEADER, ""
                + "hub,1,500,64,10,1900000,190000,1,1,1,1,0,0,0,0,0,500,1,1,0,5.0,1,1\n"
                + "nio,1,500,64,10,2000000,200000,1,1,1,1,0,0,0,0,0,500,1,1,0,4.8,1,1\n"
                + "hub,2,500,64,10,1800000,180000,1,1,1,1,0,0,0,0,0,500,1,1,0,5.2,1,1\n"
                + "hub,3,500,64,10,null,null,1,1,1,1,null,0,0,0,0,500,1,1,0,NaN,1,1\n"
                + "nio,3,500,64,10,2000000,200000,1,1,1,1,0,0,0,0,0,500,1,1,0,4.8,1,1\n");
        r.readEcho(dir.resolve("no-such.csv")); // a run that never wrote its CSV adds nothing
        assertEquals(1, r.pairedRatios("hub", "nio", false).length);
        assertEquals(0.95, r.pairedRatios("hub", "nio", false)[0], 1e-9);
        assertEquals("1 of 3 rounds", r.echoPairs("hub", "nio"));
        String block = r.write("cmd", "quick");
        assertTrue(block.contains("| echo: one hub at least 0.95x the bare NIO loop, independent client, NOT pinned (#10) | "
                + "indicative (within error) | 0.95 (error unknown)x; round trips/s (no error: fewer than 2 rounds)"), block);
        assertTrue(block.contains("paired by round over 1 of 3 rounds"), block);
        assertTrue(block.contains("| echo: no errors (connects, resets, wrong or short echoes, EOFs) | no result | 0 in 5 runs; "
                + "1 runs did not say |"), block);
        assertTrue(block.contains("No server ran pinned in this run"), block);
    }

    @Test
    void theGeneratedBlockIsReplacedAndEverythingElseKept() {
        String hand = "# Loomlet benchmarks\n\nintro by hand\n\n## #9 before/after\n\ntable\n";
        String first = Report.splice(hand, "generated one\n");
        assertTrue(first.startsWith(hand), "a file without markers keeps its text and gets the block appended:\n" + first);
        assertTrue(first.contains(Report.BEGIN + "\ngenerated one\n" + Report.END + "\n"), first);

        String edited = first + "\n## written after the block\n";
        String second = Report.splice(edited, "generated two\n");
        assertTrue(second.contains("generated two") && !second.contains("generated one"), second);
        assertTrue(second.startsWith(hand) && second.endsWith("## written after the block\n"), second);
        assertEquals(1, second.split(java.util.regex.Pattern.quote(Report.BEGIN), -1).length - 1, "one block");

        assertTrue(Report.splice(null, "x\n").startsWith("# Loomlet benchmarks\n\n" + Report.BEGIN), "a new file");
    }

    @Test
    void brokenMarkersAreRefusedRatherThanCutThrough() {
        String onlyBegin = "hand\n" + Report.BEGIN + "\nold\nmore hand\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.splice(onlyBegin, "new\n"));
        assertTrue(e.getMessage().contains("markers are broken"), e.getMessage());
        String reversed = "hand\n" + Report.END + "\nmiddle\n" + Report.BEGIN + "\n";
        assertThrows(IllegalArgumentException.class, () -> Report.splice(reversed, "new\n"));
        String twice = Report.BEGIN + "\na\n" + Report.END + "\n" + Report.BEGIN + "\nb\n" + Report.END + "\n";
        assertThrows(IllegalArgumentException.class, () -> Report.splice(twice, "new\n"));
    }

    @Test
    void aMissingResultGivesAVerdictOfNoResultNotAFailedReport() {
        Report r = withScores(100, 1, 100, 1);
        r.judge("goal", () -> r.atMost("goal", r.ratio("A", "C"), 1.1, ""));
        assertEquals(1, r.verdicts().size());
        assertTrue(r.verdicts().get(0).contains("no result") && r.verdicts().get(0).contains("C"), r.verdicts().toString());
    }
}
