package io.loomlet.legacyit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * The forked JVM's main: runs an unmodified program's {@code main}, then prints the peak number of
 * live platform threads the JVM saw ({@code ThreadMXBean.getPeakThreadCount()}: the JVM keeps it
 * itself, so nothing is sampled and nothing is missed; virtual threads are not counted, JVM-internal
 * threads such as "Reference Handler" and "Common-Cleaner" are). The program is not changed.
 *
 * <p>Usage: {@code PeakThreads MAIN_CLASS [ARGS...]}. Prints {@code PEAK_THREADS n} and
 * {@code LIVE_THREADS_AT_END n} after the program's main returns.
 */
public final class PeakThreads {
    private PeakThreads() {
    }

    public static void main(String[] args) throws Throwable {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            System.out.println("PEAK_THREADS " + mx.getPeakThreadCount());
            throw e.getCause();
        }
        System.out.println("PEAK_THREADS " + mx.getPeakThreadCount());
        System.out.println("LIVE_THREADS_AT_END " + mx.getThreadCount());
        System.out.flush();
    }
}
