package io.loomlet.jmh.echo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole machine spent busy, from Linux's {@code /proc/stat}, so that a harness can tell
 * how much of a measured window went to processes other than its own (on a shared machine, a
 * window another program ran in is not a clean sample). NaN where {@code /proc/stat} is missing.
 */
final class MachineCpu {
    private static final Path STAT = Path.of("/proc/stat");
    /** The kernel's USER_HZ: the unit of /proc/stat, 100 on every Linux architecture Java runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private MachineCpu() {
    }

    /** Seconds of CPU time all CPUs together have been busy (user, nice, system, irq, softirq, steal) since boot. */
    static double busySeconds() {
        try {
            String line = Files.readAllLines(STAT).get(0);
            String[] f = line.trim().split("\\s+");
            if (!f[0].equals("cpu") || f.length < 9) {
                return Double.NaN;
            }
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
