package io.loomlet.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM forked by a test: for what cannot be undone in the test's own JVM (a deadlock, an agent, a
 * descriptor limit, the other end of 10,000 connections). Builder style:
 *
 * <pre>
 * ForkedJvm.Result r = ForkedJvm.main(MonitorDeadlockMain.class).exports().timeout(Duration.ofSeconds(60)).run();
 * assertEquals(0, r.exit(), r.out());
 * </pre>
 *
 * The java executable is the running JVM's ({@code java.home}). Every fork writes UTF-8 whatever the
 * locale ({@code -Dstdout.encoding=UTF-8} and friends), and its stdout and stderr are read together
 * as UTF-8. The fork gets Loomlet's {@code --add-exports} only when asked ({@link #exports()}); the
 * flag itself comes from the pom's {@code loomlet.exports} property, which surefire and failsafe pass
 * as a system property of the same name. The default class path is the test's own.
 */
public final class ForkedJvm {
    /** Flags every fork gets: output in UTF-8 whatever LANG says. */
    public static final List<String> UTF8 = List.of("-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8",
            "-Dfile.encoding=UTF-8");

    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String classpath = System.getProperty("java.class.path");
    private String main;
    private String jar;
    private String shellPrefix;
    private Duration timeout = Duration.ofSeconds(60);

    private ForkedJvm() {
    }

    /** A fork that runs {@code main}'s main method. */
    public static ForkedJvm main(Class<?> main) {
        return main(main.getName());
    }

    /** A fork that runs the main method of the class named {@code mainClass}. */
    public static ForkedJvm main(String mainClass) {
        ForkedJvm f = new ForkedJvm();
        f.main = mainClass;
        return f;
    }

    /** A fork that runs an executable jar ({@code java -jar JAR}); no class path is passed. */
    public static ForkedJvm jar(Path jar) {
        ForkedJvm f = new ForkedJvm();
        f.jar = jar.toString();
        f.classpath = null;
        return f;
    }

    /** The java executable of the running JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Loomlet's {@code --add-exports} flag, from the system property {@code loomlet.exports} that the
     * build sets (the pom's property of the same name).
     */
    public static String exportsFlag() {
        String flag = System.getProperty("loomlet.exports");
        if (flag == null || flag.isBlank()) {
            throw new IllegalStateException("system property loomlet.exports is not set: the build passes it to "
                    + "surefire and failsafe (systemPropertyVariables in the root pom)");
        }
        return flag;
    }

    /** The class path of the fork ({@code null}: none); the default is this JVM's. */
    public ForkedJvm classpath(String classpath) {
        this.classpath = classpath;
        return this;
    }

    /** The class path of the fork, from its entries. */
    public ForkedJvm classpath(List<?> entries) {
        List<String> s = new ArrayList<>();
        for (Object e : entries) {
            s.add(e.toString());
        }
        return classpath(String.join(File.pathSeparator, s));
    }

    /** Adds Loomlet's {@code --add-exports} flag (see {@link #exportsFlag()}). */
    public ForkedJvm exports() {
        return jvmArgs(exportsFlag());
    }

    /** JVM options, placed before the class path and the main class. */
    public ForkedJvm jvmArgs(String... options) {
        Collections.addAll(jvmArgs, options);
        return this;
    }

    /** Program arguments, after the main class or jar. */
    public ForkedJvm args(String... programArgs) {
        Collections.addAll(args, programArgs);
        return this;
    }

    /** Program arguments, after the main class or jar. */
    public ForkedJvm args(List<String> programArgs) {
        args.addAll(programArgs);
        return this;
    }

    /** Sets an environment variable of the fork; {@code null} removes it. */
    public ForkedJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Removes environment variables from the fork (it inherits the rest of this JVM's). */
    public ForkedJvm unsetEnv(String... names) {
        for (String n : names) {
            env.put(n, null);
        }
        return this;
    }

    /**
     * Runs the JVM under {@code bash -c 'COMMAND && exec java ...'}, e.g. {@code "ulimit -n 256"}
     * (Unix only: such a test is tagged {@code @EnabledOnOs}).
     */
    public ForkedJvm shellPrefix(String command) {
        this.shellPrefix = command;
        return this;
    }

    /** How long {@link #run()} and {@link Running#awaitExit()} wait before killing the fork (default 60 s). */
    public ForkedJvm timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** The full command line. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        if (shellPrefix != null) {
            cmd.addAll(List.of("bash", "-c", shellPrefix + " && exec \"$@\"", "bash"));
        }
        cmd.add(javaExecutable());
        cmd.addAll(UTF8);
        cmd.addAll(jvmArgs);
        if (jar != null) {
            cmd.addAll(List.of("-jar", jar));
        } else {
            if (classpath != null) {
                cmd.addAll(List.of("-cp", classpath));
            }
            cmd.add(main);
        }
        cmd.addAll(args);
        return cmd;
    }

    /** Starts the fork and returns at once: for a test that talks to it while it runs. */
    public Running start() {
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        try {
            return new Running(pb.start(), timeout, command());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command(), e);
        }
    }

    /**
     * Runs the fork to its end and returns its exit code and output. A fork still running after the
     * timeout is killed, and the test fails with what it printed.
     */
    public Result run() {
        try (Running r = start()) {
            return r.awaitExit();
        }
    }

    /** A finished fork: its exit code and its output (stdout and stderr together). */
    public record Result(int exit, String out) {
        /** The first group of {@code regex} in the output, as a number; fails the test if it is absent. */
        public long number(String regex) {
            return ForkedJvm.number(out, regex);
        }

        /** The output's lines. */
        public List<String> lines() {
            return out.lines().toList();
        }
    }

    /** The first group of {@code regex} in {@code text}, as a number; fails the test if it is absent. */
    public static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + regex + " in:\n" + text);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * A fork that is running: read its output line by line, write lines to its stdin, then wait for
     * its end. Closing it kills the fork if it is still alive.
     */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final Duration timeout;
        private final List<String> command;
        private final BufferedReader reader;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Running(Process process, Duration timeout, List<String> command) {
            this.process = process;
            this.timeout = timeout;
            this.command = command;
            this.reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        public Process process() {
            return process;
        }

        /** Every line read so far. */
        public List<String> lines() {
            return lines;
        }

        /** The next line of output, or null at its end. */
        public String readLine() {
            try {
                String l = reader.readLine();
                if (l != null) {
                    lines.add(l);
                }
                return l;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads lines up to the first that starts with {@code prefix}, and returns it; fails at the end of output. */
        public String expect(String prefix) {
            for (String l; (l = readLine()) != null; ) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            throw new AssertionError("the forked JVM ended before printing '" + prefix + "':\n" + String.join("\n", List.copyOf(lines)));
        }

        /** Writes a line to the fork's stdin. */
        public void send(String line) {
            try {
                OutputStream in = process.getOutputStream();
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Reads the rest of the output and waits for the fork to end, at most the timeout; then kills it
         * and fails the test with what it printed.
         */
        public Result awaitExit() {
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                while (readLine() != null) {
                    // collected in lines
                }
            });
            boolean ended;
            try {
                ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!ended) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                drain.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + command, e);
            }
            String out;
            synchronized (lines) {
                out = String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
            }
            if (!ended) {
                throw new AssertionError("the forked JVM did not end within " + timeout.toSeconds() + " s, killed: "
                        + command + "\n" + out);
            }
            return new Result(process.exitValue(), out);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
