package io.loomlet.legacyit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one legacy program in a forked JVM (the JDK that runs the tests), through {@link PeakThreads},
 * unpatched or under the agent, with a hard timeout after which the process tree is killed and the run
 * counts as hung (after a thread dump, SIGQUIT, into its log). Output goes to
 * target/legacy-runs/CASE-MODE.log.
 */
final class Fork {
    /** What one run gave. {@code wallMs} is the program's own WALL_MS line (JVM start not included). */
    record Run(LegacyCase legacyCase, boolean patched, boolean ok, boolean hung, int exit, long wallMs,
               long processMs, int peakThreads, String resultLine, Path log, String output) {

        String summary() {
            return (patched ? "patched" : "unpatched") + " " + legacyCase.program() + ": "
                    + (hung ? "HUNG (killed after the timeout)" : "exit " + exit) + ", result '" + resultLine
                    + "', wall " + wallMs + " ms, peak platform threads " + peakThreads + ", log " + log;
        }
    }

    static final String PATCH = "all,thread";

    private Fork() {
    }

    static Path agentJar() {
        String p = System.getProperty("loomlet.agentJar", "../iopatch/target/loomlet-agent.jar");
        return Path.of(p).toAbsolutePath().normalize();
    }

    /** The program's class path: test classes plus the test-scope libraries, never Loomlet itself. */
    static String classPath() throws IOException {
        Path target = Path.of(System.getProperty("loomlet.legacy.target", "target")).toAbsolutePath();
        Path cpFile = target.resolve("legacy-classpath.txt");
        if (!Files.exists(cpFile)) {
            throw new IllegalStateException(cpFile + " is missing: Maven's dependency:build-classpath writes it"
                    + " (run the tests through Maven)");
        }
        String libs = Files.readString(cpFile).strip();
        return target.resolve("test-classes") + (libs.isEmpty() ? "" : File.pathSeparator + libs);
    }

    static Run run(LegacyCase c, boolean patched, List<String> programArgs, int timeoutSeconds) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-Xmx1g");
        if (patched) {
            Path agent = agentJar();
            if (!Files.exists(agent)) {
                throw new IllegalStateException("the agent jar is built by the iopatch module before this one: "
                        + agent + " is missing");
            }
            cmd.add("-javaagent:" + agent + "=" + PATCH);
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(PeakThreads.class.getName());
        cmd.add(c.main.getName());
        cmd.addAll(programArgs);

        Path dir = Path.of(System.getProperty("loomlet.legacy.target", "target"), "legacy-runs").toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve(c.program() + "-" + (patched ? "patched" : "unpatched") + ".log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            threadDump(p);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        long processMs = (System.nanoTime() - t0) / 1_000_000;
        String out = Files.readString(log, StandardCharsets.UTF_8);
        String result = line(out, "RESULT ");
        long wall = number(out, "WALL_MS (\\d+)", ended ? processMs : -1);
        int peak = (int) number(out, "PEAK_THREADS (\\d+)", -1);
        int exit = ended ? p.exitValue() : -1;
        boolean ok = ended && exit == 0 && result.startsWith("ok");
        return new Run(c, patched, ok, !ended, exit, wall, processMs, peak,
                result.isEmpty() ? "(no RESULT line)" : result, log, out);
    }

    /** SIGQUIT: the hung JVM prints every platform thread's stack into its log before it is killed. */
    private static void threadDump(Process p) {
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
            Thread.sleep(1_000);
        } catch (IOException | InterruptedException e) {
            // no dump, the run still counts as hung
        }
    }

    private static String line(String out, String prefix) {
        for (String l : out.split("\n")) {
            if (l.startsWith(prefix)) return l.substring(prefix.length()).strip();
        }
        return "";
    }

    private static long number(String out, String regex, long otherwise) {
        Matcher m = Pattern.compile(regex).matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : otherwise;
    }
}
