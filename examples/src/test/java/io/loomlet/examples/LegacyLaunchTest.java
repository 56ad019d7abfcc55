package io.loomlet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.examples.legacy.LegacyCrawler;
import io.loomlet.examples.legacy.LegacyEchoServer;
import io.loomlet.examples.legacy.ThreadEatPlay;
import io.loomlet.testing.ForkedJvm;
import io.loomlet.testing.ForkedJvm.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * Unmodified programs run patched: through the launcher (the twin of python -m gevent.monkey), and
 * as an executable jar that patches itself with Launcher-Agent-Class. Each in its own JVM. Run by
 * failsafe after package: it needs the agent jar that iopatch built (copied to target/agent, its path
 * in the system property loomlet.agent.jar).
 */
class LegacyLaunchTest {
    static final Path AGENT = Path.of(System.getProperty("loomlet.agent.jar", "(loomlet.agent.jar not set)"));
    static final String APP_CP = Path.of("target", "classes").toAbsolutePath().toString();

    /** The launcher running {@code main} of the legacy programs, patched with {@code patch}. */
    static ForkedJvm launcher(String patch, Class<?> main, String... args) {
        assertTrue(Files.exists(AGENT), "the agent jar, built by iopatch and copied before this test: " + AGENT);
        return ForkedJvm.jar(AGENT).args("--patch", patch, "-cp", APP_CP, main.getName()).args(args)
                .timeout(Duration.ofSeconds(60));
    }

    /** "took 1.23 s" in the output, in seconds. */
    static double took(Result r, String prefix) {
        return r.number(prefix + "(\\d+)\\.") + r.number(prefix + "\\d+\\.(\\d+)") / 100.0;
    }

    @Test
    void eatAndPlayThreadsTakeTheLongerSleepOnOneThread() throws Exception {
        Result r = launcher("all,thread", ThreadEatPlay.class, "0.2").run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on eat virtual=true")
                && r.out().contains("egon play phone 1 on play virtual=true"), r.out());
        double took = took(r, "took ");
        assertTrue(took >= 1.2 && took < 2.0, "max(1.0, 1.2) s, not the 2.2 s sum: " + took + "\n" + r.out());
    }

    @Test
    void crawlerFetchesTenPagesInAboutOneLatency() throws Exception {
        Result r = launcher("all,thread", LegacyCrawler.class, "10", "400").run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("fetched 10 pages"), r.out());
        assertTrue(r.out().contains("fetched on threads: [crawler-0, crawler-1"), r.out());
        assertTrue(r.number("platform threads at peak: (\\d+)") < 30, "ten crawler threads and the server's on the hub:\n" + r.out());
        double took = took(r, "pages in ");
        assertTrue(took < 2.0, "ten 0.4 s fetches overlapped (sequential: 4 s): " + took);
    }

    @Test
    void threadPerConnectionServerServesFiveHundredClientsFromOneThread() throws Exception {
        List<String> out;
        try (ForkedJvm.Running p = launcher("all,thread", LegacyEchoServer.class, "0", "--exit-after", "500")
                .timeout(Duration.ofSeconds(30)).start()) {
            out = p.lines();
            String first = p.expect("legacy echo server listening on port ");
            int port = Integer.parseInt(first.substring(first.lastIndexOf(' ') + 1));
            StressClient.Result res = StressClient.run(new StressClient.Config("127.0.0.1", port, 500, 0, 2, false));
            assertEquals(0, res.errors(), res.toString());
            assertTrue(res.roundTrips() > 5000, res.toString());
            p.awaitExit(); // the server exits after its 500 clients; fails the test if it does not within 30 s
        }
        String served = out.stream().filter(l -> l.startsWith("served 500 clients on 500 threads")).findFirst().orElse("");
        assertTrue(!served.isEmpty(), out.toString());
        int peak = Integer.parseInt(served.substring(served.lastIndexOf(' ') + 1));
        assertTrue(peak < 30, "500 threads, as virtual threads of one hub: " + served);
    }

    @Test
    void executableJarPatchesItselfWithLauncherAgentClass() throws Exception {
        Path jar = Files.createTempDirectory("loomlet-app").resolve("eatplay.jar");
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(Attributes.Name.MAIN_CLASS, ThreadEatPlay.class.getName());
        a.put(new Attributes.Name("Launcher-Agent-Class"), "io.loomlet.iopatch.Agent");
        a.put(new Attributes.Name("Loomlet-Patch"), "all,thread");
        a.put(new Attributes.Name("Can-Retransform-Classes"), "true");
        assertTrue(Files.exists(AGENT), "the agent jar: " + AGENT);
        a.put(Attributes.Name.CLASS_PATH, AGENT.toUri().toString());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            String entry = ThreadEatPlay.class.getName().replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Path.of("target/classes", entry)));
            out.closeEntry();
        }
        Result r = ForkedJvm.jar(jar).args("0.2").run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on eat virtual=true")
                && r.out().contains("egon play phone 1 on play virtual=true"), r.out());
    }

    @Test
    void launcherRunsAnUnmodifiedJar() throws Exception {
        Path jar = Files.createTempDirectory("loomlet-plain").resolve("plain.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ThreadEatPlay.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            String entry = ThreadEatPlay.class.getName().replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Path.of("target/classes", entry)));
            out.closeEntry();
        }
        Result r = ForkedJvm.jar(AGENT).args("--patch", "all,thread", "-jar", jar.toString(), "0.2").run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on eat virtual=true")
                && r.out().contains("egon play phone 1 on play virtual=true"), r.out());
    }
}
