package io.loomlet.jmh.echo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A harness's main in a JVM of its own (the harnesses exit the JVM when done), bounded in time. */
record JvmRun(int exit, String out) {
    /** Runs {@code main} with {@code args} on this JVM's class path; fails the test after {@code seconds}. */
    static JvmRun of(Class<?> main, long seconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] b = new byte[8192];
                for (int n; (n = in.read(b)) > 0; ) {
                    out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                fail(main.getSimpleName() + " did not end within " + seconds + " s; its output so far:\n" + out);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return new JvmRun(p.exitValue(), out.toString());
        } finally {
            // its servers too: a harness killed here leaves them otherwise
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
