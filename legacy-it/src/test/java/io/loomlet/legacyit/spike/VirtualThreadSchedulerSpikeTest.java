package io.loomlet.legacyit.spike;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Keeps the spike's findings (SPIKE-VT-SCHEDULER.md) true on the JDK that runs the build: runs
 * {@link VirtualThreadSchedulerSpike} {@code --quick} in a forked JVM with
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} and expects {@code SPIKE ok}.
 */
class VirtualThreadSchedulerSpikeTest {
    @Test
    void virtualThreadsRunOnAOneThreadExecutor() throws Exception {
        Path target = Path.of(System.getProperty("loomlet.legacy.target", "target")).toAbsolutePath();
        Path log = target.resolve("spike-vt-scheduler.log");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-cp", target.resolve("test-classes").toString(),
                VirtualThreadSchedulerSpike.class.getName(), "--quick")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ended, "the spike hung:\n" + out);
        List<String> lines = out.lines().toList();
        assertTrue(p.exitValue() == 0 && lines.contains("SPIKE ok"), out);
    }
}
