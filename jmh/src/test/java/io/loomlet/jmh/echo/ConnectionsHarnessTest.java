package io.loomlet.jmh.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./loomlet connections} end to end, small: the harness and its server each in a JVM of their
 * own (the harness halts its JVM when done), on loopback, bounded by the harness's own time limit and
 * by this test's.
 */
class ConnectionsHarnessTest {
    @Test
    void aSmallRunWarmsUpInWavesAndReportsTheParkedHandlersFrozenStacks(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("connections.csv");
        JvmRun run = JvmRun.of(ConnectionsHarness.class, 150, "--steps", "100,150", "--batch", "50", "--warmup", "250",
                "--warmup-wave", "100", "--histogram", "0", "--final-echoes", "1", "--handler", "recv", "--server-flags",
                "-Xmx256m -XX:+UseParallelGC", "--max-minutes", "2", "--csv", csv.toString());
        String out = run.out();
        assertEquals(0, run.exit(), out);
        assertTrue(out.contains("connections: no errors"), out);
        // 250 warm-up connections in waves of 100 (100, 100, 50): the server counted every one of
        // them, or the step would have reported its accepted count as wrong and failed the run
        assertTrue(out.contains("run 1: warm-up, 250 connections x 50 round trips, closed: 0 errors"), out);
        assertTrue(out.contains("warm-up 250 connections in waves of 100"), out);
        for (String when : List.of("at N=150", "after echo 2")) {
            Matcher m = Pattern.compile("frozen stacks " + when + ", per parked fiber: ([0-9.]+) chunks, ([0-9.]+) words "
                    + "allocated, ([0-9.]+) words of frames").matcher(out);
            assertTrue(m.find(), when + ": " + out);
            double chunks = Double.parseDouble(m.group(1));
            double allocated = Double.parseDouble(m.group(2));
            double live = Double.parseDouble(m.group(3));
            // every parked handler (and the accept loop) has a frozen stack of a few frames at least
            assertTrue(chunks >= 1 && live >= 10 && allocated >= live, m.group());
        }
        // the CSV bench-report judges from: every step, the stacks at the top N only
        List<String> rows = Files.readAllLines(csv);
        assertEquals(ConnectionsHarness.CSV_HEADER, rows.get(0));
        assertEquals(5, rows.size(), rows.toString()); // N=100, N=150, N=150 after echo 2, the run
        assertTrue(rows.get(1).startsWith("1,100,1,") && rows.get(1).endsWith(",,,recv,true"), rows.get(1));
        assertTrue(rows.get(2).matches("1,150,1,-?[0-9.]+,-?[0-9.]+,0,0,[0-9.]+,[0-9.]+,[0-9.]+,recv,true"), rows.get(2));
        assertTrue(rows.get(3).matches("1,150,2,-?[0-9.]+,-?[0-9.]+,0,0,[0-9.]+,[0-9.]+,[0-9.]+,recv,true"), rows.get(3));
        assertEquals("1,150,-1,,,,,,,,recv,true", rows.get(4), "the run's own row: clean, 150 reached");
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() throws Exception {
        JvmRun noValue = JvmRun.of(ConnectionsHarness.class, 30, "--warmup");
        assertTrue(noValue.exit() != 0 && noValue.out().contains("--warmup-wave"), noValue.out());
        JvmRun zeroWave = JvmRun.of(ConnectionsHarness.class, 30, "--warmup-wave", "0");
        assertTrue(zeroWave.exit() != 0 && zeroWave.out().contains("--warmup-wave must be at least 1"), zeroWave.out());
    }
}
