package io.loomlet.iopatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.loomlet.iopatch.dns.DnsProgram;
import io.loomlet.iopatch.programs.ApiProgram;
import io.loomlet.iopatch.programs.SharedStateProgram;
import io.loomlet.iopatch.programs.SleepProgram;
import io.loomlet.iopatch.programs.SocketsProgram;
import io.loomlet.iopatch.programs.ThreadsProgram;
import io.loomlet.iopatch.programs.Unrewritable;
import io.loomlet.testing.ForkedJvm;
import io.loomlet.testing.ForkedJvm.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The monkey patch, each case in a forked JVM (it changes the process for good): the agent's parts
 * and options, the thread patch, sockets under HttpURLConnection and TLS, DNS, a class the agent
 * cannot rewrite. Every test shows other fibers ran while the patched call waited. Forked JVMs get
 * only the agent jar and the programs' classes: no Loomlet on the class path and no --add-exports.
 *
 * <p>An integration test (failsafe): it runs after the package phase has built this module's
 * target/loomlet-agent.jar, whose path failsafe passes as the system property loomlet.agent.jar.
 */
class PatchIT {
    static final Path AGENT = agentJar();
    /** The test programs (io.loomlet.iopatch.programs, .dns): this module's test classes. */
    static final String APP_CP = Path.of("target", "test-classes").toAbsolutePath().toString();

    static Path agentJar() {
        String p = System.getProperty("loomlet.agent.jar");
        assertTrue(p != null, "system property loomlet.agent.jar is not set (failsafe sets it in iopatch/pom.xml)");
        Path jar = Path.of(p);
        assertTrue(Files.exists(jar), "the agent jar is built in the package phase, before this test: " + jar);
        return jar;
    }

    static Result agent(String options, Class<?> main, String... args) {
        return ForkedJvm.main(main).classpath(APP_CP)
                .jvmArgs("-javaagent:" + AGENT + (options == null ? "" : "=" + options))
                .args(args).timeout(Duration.ofSeconds(60)).run();
    }

    @Test
    void sleepIsCooperativeInFibersAndRealOnPlainThreads() throws Exception {
        Result r = agent(null, SleepProgram.class);
        assertEquals(0, r.exit(), r.out());
        long ms = r.number("SLEEPS (\\d+) ms");
        assertTrue(ms < 600, "four 200 ms sleeps overlapped: " + ms + " ms\n" + r.out());
        assertEquals(5, r.number("TICKS (\\d+)"), r.out());
        assertTrue(r.out().contains("REAL interrupted on real-thread"), r.out());
        assertTrue(!r.out().contains("warning"), r.out());
    }

    @Test
    void agentOptionsChooseTheParts() throws Exception {
        Result r = agent("socket", SleepProgram.class); // sleep not patched: each sleep blocks the thread
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.number("SLEEPS (\\d+) ms") >= 800, r.out());
        Result bad = agent("sockets,dns", SleepProgram.class);
        assertTrue(bad.exit() != 0 && bad.out().contains("unknown option 'sockets'"), bad.out());
    }

    @Test
    void threadPatchRunsThreadsAsHubVirtualThreadsAndTheJvmWaitsForNonDaemonOnes() throws Exception {
        long start = System.nanoTime();
        Result r = agent("all,thread", ThreadsProgram.class);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("ALIVE true"), r.out());
        assertTrue(r.out().contains("MAIN on main virtual=true"), "main runs as a virtual thread of its hub:\n" + r.out());
        assertTrue(r.out().contains("JOINED-THREAD on joined virtual=true"), r.out());
        assertTrue(r.out().contains("SUBCLASS on worker-subclass self=true"),
                "a Thread subclass runs in a stand-in that answers currentThread() with the object:\n" + r.out());
        assertTrue(r.out().contains("ALIVE-AFTER false") && r.out().contains("SUBCLASS-ALIVE-AFTER false"), r.out());
        int mainReturns = r.out().indexOf("MAIN returns");
        int nonDaemon = r.out().indexOf("NON-DAEMON done");
        assertTrue(mainReturns >= 0 && nonDaemon > mainReturns, "the JVM waited for the non-daemon thread:\n" + r.out());
        assertTrue(!r.out().contains("DAEMON done (should not print)"), r.out());
        assertTrue(ms < 20_000, "and did not wait for the daemon one (" + ms + " ms)");
    }

    @Test
    void httpAndTlsFromOneHundredFibersOnOneThread() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        ExecutorService pool = Executors.newFixedThreadPool(150);
        http.setExecutor(pool);
        http.createContext("/", ex -> {
            sleep(300);
            byte[] b = ("page " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        Path dir = Files.createTempDirectory("loomlet-tls");
        Path keystore = dir.resolve("server.p12");
        makeKey(keystore);
        SSLServerSocket tls = tlsServer(keystore);
        Thread acceptor = new Thread(() -> {
            while (!tls.isClosed()) {
                try {
                    Socket c = tls.accept();
                    pool.execute(() -> tlsEcho(c));
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.start();
        try {
            Result r = ForkedJvm.main(SocketsProgram.class).classpath(APP_CP)
                    .jvmArgs("-javaagent:" + AGENT, "-Djavax.net.ssl.trustStore=" + keystore,
                            "-Djavax.net.ssl.trustStorePassword=changeit")
                    .args(String.valueOf(http.getAddress().getPort()), String.valueOf(tls.getLocalPort()))
                    .timeout(Duration.ofSeconds(120)).run();
            assertEquals(0, r.exit(), r.out());
            assertTrue(r.out().contains("SOCKETS ok 120 of 120"), r.out());
            long ms = r.number("in (\\d+) ms");
            assertTrue(ms < 10_000, "120 calls of 300 ms each overlapped (sequential: 36 s): " + ms + " ms");
            assertTrue(r.out().contains("on main"), r.out());
        } finally {
            http.stop(0);
            tls.close();
            pool.shutdownNow();
        }
    }

    @Test
    void slowDnsParksOnlyItsFiber() throws Exception {
        Result patched = agent(null, DnsProgram.class);
        assertEquals(0, patched.exit(), patched.out());
        assertTrue(patched.out().contains("DNS 127.0.0.7"), patched.out());
        assertTrue(patched.number("TICKS (\\d+)") >= 10, "the ticker ran during the lookup:\n" + patched.out());
        Result unpatched = agent("socket,sleep", DnsProgram.class);
        assertEquals(0, unpatched.exit(), unpatched.out());
        assertEquals(0, unpatched.number("TICKS (\\d+)"), "without the DNS patch the lookup holds the thread:\n" + unpatched.out());
    }

    @Test
    void apiWithoutTheAgent() throws Exception {
        // no agent: the --add-exports flag by hand, Loomlet from the agent jar used as a plain library
        Result r = ForkedJvm.main(ApiProgram.class).classpath(List.of(APP_CP, AGENT)).exports().run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("PATCHED socket=true dns=true sleep=false agent=false"), r.out());
        assertTrue(r.out().contains("SLEEP refused: patching sleep rewrites bytecode as classes load, so it needs the agent"), r.out());
        assertTrue(r.out().contains("OLD echo older"), "a socket made before patching still works:\n" + r.out());
        assertTrue(r.out().contains("NEW ok 20"), r.out());
        assertTrue(r.out().contains("PLAIN plain on plain-thread"), r.out());
        assertTrue(r.number("in (\\d+) ms") < 800, "20 handlers sleeping 50 ms overlapped:\n" + r.out());
        assertEquals(10, r.number("ticks (\\d+)"), r.out());
    }

    @Test
    void sharedStateBetweenPatchedThreadsStaysCorrect() throws Exception {
        Result fibers = agent("all,thread", SharedStateProgram.class);
        assertEquals(0, fibers.exit(), fibers.out());
        assertTrue(fibers.out().contains("writers ran as virtual threads"), fibers.out());
        assertTrue(fibers.out().contains("LINES 80 TORN 0"),
                "synchronized and ReentrantLock kept mutual exclusion across the sleeps:\n" + fibers.out());
        assertTrue(fibers.out().contains("A=A list=[A]") && fibers.out().contains("B=B list=[B]"),
                "each patched thread kept its own ThreadLocal values:\n" + fibers.out());
        Result threads = agent("all", SharedStateProgram.class); // real threads
        assertEquals(0, threads.exit(), threads.out());
        assertTrue(threads.out().contains("writers ran as threads") && threads.out().contains("LINES 80 TORN 0"), threads.out());
    }

    @Test
    void transferQueuesBetweenHubVirtualThreadsParkWithoutSpinning() {
        Result r = agent("all,thread", io.loomlet.iopatch.programs.TransferQueueProgram.class);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("REWRITTEN [java/util/concurrent/LinkedTransferQueue$DualNode]"),
                "the agent rewrote the JDK's transfer-queue wait:\n" + r.out());
        assertTrue(r.out().contains("SQ 20000 sum 200010000 in-order true virtual true"), r.out());
        assertTrue(r.out().contains("LTQ 1000 transferred; timed poll null after its timeout"), r.out());
        assertTrue(r.out().contains("POOL total 9500 terminated true"), r.out());
        assertTrue(r.out().contains("TICKER ran true"), "another thread of the hub ran while they waited:\n" + r.out());
        assertTrue(!r.out().contains("warning") && !r.out().contains("not the shape"), r.out());
        Result off = ForkedJvm.main(io.loomlet.iopatch.programs.TransferQueueProgram.class).classpath(APP_CP)
                .jvmArgs("-javaagent:" + AGENT + "=all,thread", "-Dloomlet.patch.jdk=off")
                .timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, off.exit(), off.out());
        assertTrue(off.out().contains("REWRITTEN []") && off.out().contains("SQ 20000 sum 200010000 in-order true"),
                "-Dloomlet.patch.jdk=off leaves the JDK as it is, still correct:\n" + off.out());
    }

    @Test
    void theAgentShowsTheFiberDumpOverJmxAndTurnsTheWatchdogOn() {
        Result r = agent(null, io.loomlet.iopatch.programs.MxBeanProgram.class);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("MX dump names the fiber: true"), r.out());
        assertTrue(r.out().contains("MX watchdog: true"), r.out());
    }

    @Test
    void aClassThatCannotBeRewrittenRunsUnpatchedWithOneWarning() {
        Result r = agent(null, Unrewritable.class);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("RAN unpatched"), r.out());
        long warnings = r.out().lines().filter(l -> l.contains("gen.Sleeper could not be rewritten")).count();
        assertEquals(1, warnings, r.out());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A self-signed key for "localhost", made here with the JDK's keytool. */
    static void makeKey(Path keystore) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
    }

    static SSLServerSocket tlsServer(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1024,
                InetAddress.getLoopbackAddress());
    }

    static void tlsEcho(Socket c) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
                line.append((char) b);
            }
            sleep(300);
            out.write(line.toString().toUpperCase().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }
}
