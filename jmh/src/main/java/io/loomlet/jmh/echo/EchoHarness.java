package io.loomlet.jmh.echo;

import com.sun.management.OperatingSystemMXBean;
import io.loomlet.Hub;
import io.loomlet.jmh.Jvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One load client — LoadClient, the 500-client demo's load, 500 fibers in this JVM — against each echo
 * server in turn, each server in a fresh JVM with the same flags. Several runs per server, the
 * servers alternating within each round; the CSV gets every run, for the report to take the median,
 * min and max.
 *
 * <p>Args: outputCsv agentJar examplesClasses serverClassPath [runs] [seconds] [clients]
 *
 * <p>System properties: {@code echo.servers}, a comma-separated subset of the servers' keys (hub,
 * hubgroup2, nio, vthreads, vthreads1, threads, legacy; default all but vthreads1, which the report does not
 * know); {@code echo.serverCpus}, CPUs to pin
 * each server JVM to with {@code taskset -c} (pin this JVM, the client, with taskset yourself);
 * {@code echo.warmupSeconds}, a load run before each measured one, not counted (default none).
 *
 * <p>Besides the load client's numbers the CSV has the CPU time per second of the measured run of
 * the server, of this JVM (the client) and of everything else on the machine (Linux; NaN elsewhere):
 * on a shared machine, a run that other programs took CPU from is not a clean sample.
 */
public final class EchoHarness {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String agent = args[1];
        String examplesClasses = args[2];
        String serverCp = args[3];
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        double seconds = args.length > 5 ? Double.parseDouble(args[5]) : 4;
        int clients = args.length > 6 ? Integer.parseInt(args[6]) : 500;
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> flags = List.of(Jvm.UNSAFE_ALLOW, "-Xmx2g", "-XX:+UseParallelGC");
        String[][] all = {
            {"hub", "loomlet StreamServer, one hub", Jvm.EXPORTS, "-cp", serverCp, EchoServers.class.getName(), "hub"},
            {"hubgroup2", "loomlet StreamServer, HubGroup of 2", Jvm.EXPORTS, "-cp", serverCp, EchoServers.class.getName(),
                "hubgroup2"},
            {"nio", "bare NIO selector loop, one thread (baseline)", "-cp", serverCp, EchoServers.class.getName(), "nio"},
            {"vthreads", "thread per connection, virtual threads", "-cp", serverCp, EchoServers.class.getName(), "vthreads"},
            {"vthreads1", "thread per connection, virtual threads on one carrier", EchoServers.ONE_CARRIER[0],
                EchoServers.ONE_CARRIER[1], "-cp", serverCp, EchoServers.class.getName(), "vthreads1"},
            {"threads", "thread per connection, platform threads", "-cp", serverCp, EchoServers.class.getName(), "threads"},
            {"legacy", "unmodified LegacyEchoServer under the launcher (all,thread)", "-jar", agent, "--patch", "all,thread",
                "-cp", examplesClasses, "io.loomlet.examples.legacy.LegacyEchoServer", "0"},
        };
        List<String> wanted = List.of(System.getProperty("echo.servers", "hub,hubgroup2,nio,vthreads,threads,legacy").split(","));
        List<String[]> servers = new ArrayList<>();
        for (String[] s : all) {
            if (wanted.contains(s[0])) {
                servers.add(Arrays.copyOfRange(s, 1, s.length));
            }
        }
        String cpus = System.getProperty("echo.serverCpus");
        double warmup = Double.parseDouble(System.getProperty("echo.warmupSeconds", "0"));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            csv.println("server,run,roundTripsPerSecond,p50us,p99us,maxUs,errors,serverCpuPerSecond,clientCpuPerSecond,"
                    + "otherCpuPerSecond");
            for (int run = 1; run <= runs; run++) {
                for (String[] s : servers) {
                    List<String> cmd = new ArrayList<>();
                    if (cpus != null) {
                        cmd.addAll(List.of("taskset", "-c", cpus));
                    }
                    cmd.add(java);
                    cmd.addAll(flags);
                    cmd.addAll(Arrays.asList(s).subList(1, s.length));
                    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                    try {
                        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                        String line = r.readLine();
                        if (line == null || !line.contains("listening on port ")) {
                            throw new IllegalStateException(s[0] + " did not start: " + line);
                        }
                        int port = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                        if (warmup > 0) {
                            LoadClient.run(new LoadClient.Config("127.0.0.1", port, clients, 0, warmup, false));
                        }
                        double server0 = cpuSeconds(p);
                        double client0 = os.getProcessCpuTime() / 1e9;
                        double busy0 = MachineCpu.busySeconds();
                        LoadClient.Result res = LoadClient.run(new LoadClient.Config("127.0.0.1", port, clients, 0, seconds, false));
                        double server = cpuSeconds(p) - server0;
                        double client = os.getProcessCpuTime() / 1e9 - client0;
                        double other = Math.max(0, MachineCpu.busySeconds() - busy0 - server - client);
                        csv.printf(Locale.ROOT, "\"%s\",%d,%.0f,%d,%d,%d,%d,%.2f,%.2f,%.2f%n", s[0], run, res.perSecond(),
                                res.p50Micros(), res.p99Micros(), res.maxMicros(), res.errors(), server / res.seconds(),
                                client / res.seconds(), other / res.seconds());
                        csv.flush();
                        System.out.printf(Locale.ROOT, "%-62s run %d: %s%n", s[0], run, res);
                    } finally {
                        p.destroy();
                        if (!p.waitFor(10, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                    }
                }
            }
        }
        Hub.current().close();
    }

    /** The CPU time a child process has used so far, in seconds (NaN if the OS does not say). */
    private static double cpuSeconds(Process p) {
        return p.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }
}
