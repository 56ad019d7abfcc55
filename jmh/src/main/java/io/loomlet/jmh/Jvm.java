package io.loomlet.jmh;

/**
 * The JVM flags of the benchmark JVMs, as compile-time constants: JMH's {@code @Fork} annotations
 * need constants, so this is the one place in jmh/ where Loomlet's export is written (the build has
 * it once, as the pom property {@code loomlet.exports}; {@code ./loomlet} once more).
 */
public final class Jvm {
    private Jvm() {
    }

    /** Fibers are jdk.internal.vm.Continuations. */
    public static final String EXPORTS = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";

    /** The primitives of io.loomlet.sync bias themselves to one hub only with native access (membarrier). */
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";

    /** A hub's virtual threads: Loomlet reaches the JDK's hidden virtual-thread scheduler hook in java.lang. */
    public static final String OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /**
     * JMH 1.37 reads fields through sun.misc.Unsafe, which JDK 24+ warns about in every JVM
     * (JEP 471/498); this flag allows it silently, in the forks and in the JMH host JVM.
     */
    public static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";

    /**
     * The agent with no part patched ({@code =none}): only what it does for any program, such as the
     * rewrite of the JDK's transfer-queue wait so that a hub's virtual threads park rather than spin.
     * The path is relative to the repository root, where {@code ./loomlet bench} runs the benchmarks.
     */
    public static final String AGENT_NONE = "-javaagent:iopatch/target/loomlet-agent.jar=none";

    /** Under the agent: no watchdog thread in a benchmark JVM. */
    public static final String AGENT_NO_WATCHDOG = "-Dloomlet.watchdog=off";

    /** Under the agent: no MXBean in a benchmark JVM. */
    public static final String AGENT_NO_JMX = "-Dloomlet.jmx=false";

    /** Under the agent: keep the JDK's transfer-queue wait as it is (the control for the agent's rewrite of it). */
    public static final String AGENT_JDK_OFF = "-Dloomlet.patch.jdk=off";
}
