package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's run line, as typed: {@code java -javaagent:target/agent/loomlet-agent.jar=all,thread
 * -cp target/classes com.example.consumer.PlainWorkers}, in a JVM of its own. (A test JVM itself does
 * not run under {@code thread}: surefire's own threads would become virtual threads of the hub, and its
 * read of the fork channel would hold the hub's thread.)
 */
class RunPatchedTest {

    @Test
    void plainThreadsRunAsVirtualThreadsOfOneHub() throws Exception {
        Path agent = Path.of("target", "agent", "loomlet-agent.jar");
        assertTrue(Files.exists(agent), "the build copies the agent jar (maven-dependency-plugin): " + agent);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-javaagent:" + agent + "=all,thread",
                        "-cp", "target" + File.separator + "classes", PlainWorkers.class.getName()))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("200 workers done in (\\d+) ms; (\\d+) of them virtual threads; main virtual: (\\w+)")
                .matcher(out);
        assertTrue(m.find(), out);
        assertEquals("200", m.group(2), out);
        assertEquals("true", m.group(3), out);
        assertTrue(Long.parseLong(m.group(1)) < 3_000, "200 sleeps of 300 ms overlapped: " + out);
    }
}
