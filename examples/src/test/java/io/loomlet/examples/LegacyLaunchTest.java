package io.loomlet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.examples.legacy.LegacyCrawler;
import io.loomlet.examples.legacy.LegacyEchoServer;
import io.loomlet.examples.legacy.ThreadEatPlay;
import io.loomlet.examples.patched.Unrewritable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * Unmodified programs run patched: through the launcher (the twin of python -m gevent.monkey), and
 * as an executable jar that patches itself with Launcher-Agent-Class. Each in its own JVM.
 */
class LegacyLaunchTest {

    static List<String> launcher(String patch, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of("-jar", PatchTest.AGENT.toString(), "--patch", patch,
                "-cp", PatchTest.APP_CP, main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void eatAndPlayThreadsTakeTheLongerSleepOnOneThread() throws Exception {
        PatchTest.Run r = PatchTest.fork(launcher("all,thread", ThreadEatPlay.class, "0.2"), 60);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on main") && r.out().contains("egon play phone 1 on main"), r.out());
        double took = PatchTest.number(r.out(), "took (\\d+)\\.") + PatchTest.number(r.out(), "took \\d+\\.(\\d+)") / 100.0;
        assertTrue(took >= 1.2 && took < 2.0, "max(1.0, 1.2) s, not the 2.2 s sum: " + took + "\n" + r.out());
    }

    @Test
    void crawlerFetchesTenPagesInAboutOneLatency() throws Exception {
        PatchTest.Run r = PatchTest.fork(launcher("all,thread", LegacyCrawler.class, "10", "400"), 60);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("fetched 10 pages"), r.out());
        assertTrue(r.out().contains("fetched on threads: [main]"), r.out());
        long secs = PatchTest.number(r.out(), "pages in (\\d+)\\.");
        long hundredths = PatchTest.number(r.out(), "pages in \\d+\\.(\\d+)");
        double took = secs + hundredths / 100.0;
        assertTrue(took < 2.0, "ten 0.4 s fetches overlapped (sequential: 4 s): " + took);
    }

    @Test
    void threadPerConnectionServerServesFiveHundredClientsFromOneThread() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(launcher("all,thread", LegacyEchoServer.class, "0", "--exit-after", "500"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = r.readLine();
            out.add(first);
            assertTrue(first != null && first.startsWith("legacy echo server listening on port "), String.valueOf(first));
            int port = Integer.parseInt(first.substring(first.lastIndexOf(' ') + 1));
            StressClient.Result res = StressClient.run(new StressClient.Config("127.0.0.1", port, 500, 0, 2, false));
            assertEquals(0, res.errors(), res.toString());
            assertTrue(res.roundTrips() > 5000, res.toString());
            for (String line; (line = r.readLine()) != null; ) {
                out.add(line);
            }
        } finally {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server exited after its 500 clients: " + out);
            p.destroyForcibly();
        }
        assertTrue(out.contains("served 500 clients on threads: [main]"), out.toString());
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
        a.put(Attributes.Name.CLASS_PATH, PatchTest.AGENT.toUri().toString());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            String entry = ThreadEatPlay.class.getName().replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Path.of("target/classes", entry)));
            out.closeEntry();
        }
        PatchTest.Run r = PatchTest.fork(List.of("-jar", jar.toString(), "0.2"), 60);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on main") && r.out().contains("egon play phone 1 on main"), r.out());
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
        PatchTest.Run r = PatchTest.fork(List.of("-jar", PatchTest.AGENT.toString(), "--patch", "all,thread",
                "-jar", jar.toString(), "0.2"), 60);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("egon eat food first on main") && r.out().contains("egon play phone 1 on main"), r.out());
    }

    @Test
    void aClassThatCannotBeRewrittenRunsUnpatchedWithOneWarning() throws Exception {
        PatchTest.Run r = PatchTest.agent(null, Unrewritable.class);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("RAN unpatched"), r.out());
        long warnings = r.out().lines().filter(l -> l.contains("gen.Sleeper could not be rewritten")).count();
        assertEquals(1, warnings, r.out());
    }
}
