package io.loomlet.legacyit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for the legacy programs, installed and started by the tests themselves.
 *
 * <p>Binaries: the newest {@code /usr/lib/postgresql/VERSION/bin}; when there is none, Debian's package
 * is installed ({@code apt-get update}, then {@code apt-get install -y postgresql}). PostgreSQL refuses
 * to run as root, so as root every server command runs as the {@code postgres} OS user
 * ({@code runuser -u postgres --}) on a fresh data directory that user owns. The server listens on
 * 127.0.0.1 only, on a free port, with its Unix socket in the temporary directory, and trusts the
 * superuser {@code legacy}. {@link #close()} stops it and deletes the directory.
 *
 * <p>Any failure is an {@link IllegalStateException} saying which step failed and its output: a test
 * that needs the server fails with it (in CI and locally alike), it is never skipped.
 */
final class PostgresServer implements AutoCloseable {
    static final String USER = "legacy";

    private static PostgresServer shared;
    private static RuntimeException sharedFailure;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final int port;
    private final boolean asRoot;
    private boolean stopped;

    /** The one server of this test JVM, started on first use; a failure to start is remembered. */
    static synchronized PostgresServer shared() {
        if (sharedFailure != null) throw sharedFailure;
        if (shared == null) {
            try {
                shared = start();
            } catch (RuntimeException e) {
                sharedFailure = e;
                throw e;
            }
            PostgresServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "postgres-stop"));
        }
        return shared;
    }

    static synchronized void stopShared() {
        if (shared != null) shared.close();
    }

    private PostgresServer(Path binDir, Path baseDir, int port, boolean asRoot) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.port = port;
        this.asRoot = asRoot;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER;
    }

    int port() {
        return port;
    }

    static PostgresServer start() {
        boolean asRoot = isRoot();
        Path bin = findBinDir();
        if (bin == null) {
            if (!asRoot) {
                throw fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres) and this is not"
                        + " root, so the tests cannot install it: run 'apt-get install -y postgresql' as root", null);
            }
            exec("apt-get update", List.of("apt-get", "update"), 600);
            exec("apt-get install postgresql",
                    List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "postgresql"), 900);
            bin = findBinDir();
            if (bin == null) {
                throw fail("'apt-get install -y postgresql' succeeded but no /usr/lib/postgresql/*/bin/postgres"
                        + " exists", null);
            }
        }
        Path base;
        try {
            base = Files.createTempDirectory("loomlet-pg-");
        } catch (IOException e) {
            throw fail("cannot create a temporary directory", e);
        }
        int port = freePort();
        PostgresServer server = new PostgresServer(bin, base, port, asRoot);
        try {
            server.init();
            server.startServer();
            server.check();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void init() {
        if (asRoot) {
            exec("chown the data directory to postgres", List.of("chown", "-R", "postgres:postgres", baseDir.toString()), 60);
        }
        exec("initdb", asPostgres(List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(),
                "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")), 180);
    }

    private void startServer() {
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + baseDir
                + " -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        exec("pg_ctl start", asPostgres(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                "-l", baseDir.resolve("server.log").toString(), "-o", options, "-w", "-t", "60", "start")), 120);
    }

    private void check() {
        try (Connection c = DriverManager.getConnection(jdbcUrl());
             ResultSet rs = c.createStatement().executeQuery("select version()")) {
            rs.next();
        } catch (Exception e) {
            throw fail("PostgreSQL started but a JDBC connection to " + jdbcUrl() + " failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (stopped) return;
        stopped = true;
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            try {
                exec("pg_ctl stop", asPostgres(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-m", "immediate", "-w", "-t", "30", "stop")), 60);
            } catch (RuntimeException e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
        try (Stream<Path> walk = Files.walk(baseDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + baseDir + ": " + e);
        }
    }

    private List<String> asPostgres(List<String> cmd) {
        if (!asRoot) return cmd;
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(cmd);
        return all;
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (Exception e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static Path findBinDir() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) return null;
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb"))
                            && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparingDouble(b -> version(b.getParent().getFileName().toString())))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static double version(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw fail("no free port on 127.0.0.1", e);
        }
    }

    private static void exec(String step, List<String> cmd, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("loomlet-pg-step-", ".log");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                if (!ended) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                String text = Files.readString(out, StandardCharsets.UTF_8);
                if (!ended || p.exitValue() != 0) {
                    throw fail(step + " failed (" + (ended ? "exit " + p.exitValue() : "timed out after "
                            + timeoutSeconds + " s") + "): " + String.join(" ", cmd) + "\n" + tail(text), null);
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException | InterruptedException e) {
            throw fail(step + " could not run: " + String.join(" ", cmd), e);
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    private static IllegalStateException fail(String message, Throwable cause) {
        String ci = "true".equalsIgnoreCase(System.getenv("CI")) ? " [CI=true: a missing database fails the run]" : "";
        return new IllegalStateException("Cannot provide the real PostgreSQL the legacy programs need: " + message
                + ci, cause);
    }
}
