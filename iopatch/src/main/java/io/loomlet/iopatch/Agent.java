package io.loomlet.iopatch;

import io.loomlet.iopatch.internal.JdkSpins;
import io.loomlet.iopatch.internal.Rewriter;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * The java agent: {@code -javaagent:loomlet-agent.jar[=OPTIONS]}.
 *
 * <p>OPTIONS is a comma list of parts: {@code all} (socket, dns, sleep — the default), {@code thread}
 * (opt-in), or single parts ({@code socket}, {@code dns}, {@code sleep}); e.g.
 * {@code =all,thread}. It also exports {@code jdk.internal.vm} to Loomlet and opens {@code java.lang}
 * to it (the JDK's hook for virtual threads with a scheduler of their own), so nobody types
 * {@code --add-exports} or {@code --add-opens}; and it turns the {@link io.loomlet.Watchdog} on
 * (500 ms; {@code -Dloomlet.watchdog=off} turns it off). {@code none} patches no part and keeps the
 * rest. Classes of the JDK (boot and platform loaders) and of Loomlet are never rewritten, with one
 * exception made whatever the parts: the JDK's transfer-queue wait, so that a hub's virtual threads
 * park at once rather than spin ({@link io.loomlet.iopatch.internal.JdkSpins};
 * {@code -Dloomlet.patch.jdk=off} keeps it as it is). A class that cannot be rewritten is left as it
 * was, with one warning naming it.
 */
public final class Agent {
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    /**
     * Loomlet's own runtime, never rewritten: the packages of fibers and iopatch's main code. Other
     * io.loomlet.* code is (the examples, users' code, iopatch's test programs in iopatch.programs).
     */
    /**
     * Code the agent never rewrites besides the JDK and Loomlet: test runners whose own threads must
     * stay platform threads (measured: under surefire with the thread patch, its stdin reader became a
     * virtual thread of the hub and held the hub's thread in a native read, so the forked JVM hung).
     * Their main stays a platform thread too; threads the tests start still become patched threads
     * (of a hub of their own). {@code -Dloomlet.patch.exclude=com/acme/,org/other/} adds package
     * prefixes (internal names, comma separated).
     */
    static final List<String> NOT_REWRITTEN = notRewritten(System.getProperty("loomlet.patch.exclude", ""));

    static List<String> notRewritten(String extra) {
        List<String> l = new ArrayList<>(List.of("org/apache/maven/surefire/", "org/apache/maven/plugin/surefire/",
                "org/junit/platform/", "org/gradle/"));
        for (String p : extra.split(",")) {
            String t = p.trim().replace('.', '/');
            if (!t.isEmpty()) {
                l.add(t.endsWith("/") ? t : t + "/");
            }
        }
        return List.copyOf(l);
    }

    static boolean excluded(String internalName) {
        for (String p : NOT_REWRITTEN) {
            if (internalName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    static final Pattern LOOMLET_RUNTIME =
            Pattern.compile("io/loomlet/([^/]+|sync/.+|net/.+|internal/.+|iopatch/[^/]+|iopatch/internal/.+|iopatch/dns/.+)");

    private Agent() {
    }

    public static void premain(String options, Instrumentation inst) {
        install(inst);
        apply(options);
    }

    /**
     * The Launcher-Agent-Class of the executable jar (the launcher then applies its --patch), and the
     * entry for an agent attached later (which applies its options, if any).
     */
    public static void agentmain(String options, Instrumentation inst) {
        install(inst);
        if (options != null && !options.isBlank()) { // a Launcher-Agent-Class gets "", not null
            apply(options);
            return;
        }
        // An application jar that names this class as its Launcher-Agent-Class patches itself with
        // the parts its manifest's Loomlet-Patch attribute names (default: all). The agent jar's own
        // launcher applies its --patch itself.
        Manifest mf = mainJarManifest();
        if (mf != null) {
            String main = mf.getMainAttributes().getValue("Main-Class");
            if (main != null && !main.equals(Launcher.class.getName())) {
                String parts = mf.getMainAttributes().getValue("Loomlet-Patch");
                apply(parts == null ? "all" : parts);
                // The JDK loads the main class before it calls a Launcher-Agent-Class, so that class
                // (and any other loaded so far) missed the transformer: rewrite them now. Needs
                // Can-Retransform-Classes: true in the application jar's manifest.
                retransformLoadedApplicationClasses(inst);
            }
        }
    }

    private static void retransformLoadedApplicationClasses(Instrumentation inst) {
        if (!inst.isRetransformClassesSupported()) {
            System.err.println("loomlet: warning: the application jar's manifest lacks 'Can-Retransform-Classes: true', "
                    + "so its main class, loaded before the agent, runs unpatched");
            return;
        }
        List<Class<?>> app = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            ClassLoader l = c.getClassLoader();
            if (l != null && l != ClassLoader.getPlatformClassLoader() && inst.isModifiableClass(c)
                    && !LOOMLET_RUNTIME.matcher(c.getName().replace('.', '/')).matches()
                    && !c.getName().startsWith("org.jctools.")) {
                app.add(c);
            }
        }
        try {
            inst.retransformClasses(app.toArray(Class<?>[]::new));
        } catch (Exception | LinkageError e) {
            System.err.println("loomlet: warning: could not rewrite classes loaded before the agent (" + e + ")");
        }
    }

    /** The manifest of the jar run with java -jar, or null. */
    private static Manifest mainJarManifest() {
        String first = System.getProperty("sun.java.command", "").split(" ", 2)[0];
        if (!first.endsWith(".jar")) {
            return null;
        }
        try (JarFile jf = new JarFile(first)) {
            return jf.getManifest();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static synchronized void install(Instrumentation inst) {
        exportContinuations(inst);
        startWatchdog();
        if (!"false".equals(System.getProperty("loomlet.jmx"))) {
            // the fiber dump of a running patched program, from outside (JConsole, JMC)
            io.loomlet.iopatch.internal.FibersManagement.register();
        }
        if (!IoPatch.agentActive) {
            inst.addTransformer(new Transformer(new Rewriter(mainClass())), inst.isRetransformClassesSupported());
            IoPatch.agentActive = true;
            if (!"off".equals(System.getProperty("loomlet.patch.jdk"))) {
                stopJdkSpins(inst);
            }
        }
    }

    /**
     * Rewrites the JDK's transfer-queue wait so that a hub's virtual threads park at once rather than
     * spin ({@link JdkSpins}). The transformer does it when the class loads; if it loaded before the
     * agent, it is retransformed here. {@code -Dloomlet.patch.jdk=off} leaves the JDK as it is.
     */
    private static void stopJdkSpins(Instrumentation inst) {
        Class<?> node;
        try {
            // Usually the first load: the transformer rewrites it now, in premain.
            node = Class.forName(JdkSpins.DUAL_NODE.replace('/', '.'), false, null);
            if (!JdkSpins.confirm()) {
                if (!inst.isRetransformClassesSupported() || !inst.isModifiableClass(node)) {
                    note("it was loaded before the agent and cannot be retransformed here");
                    return;
                }
                inst.retransformClasses(node); // loaded before the agent
                if (!JdkSpins.confirm()) {
                    note("this JDK's code is not the shape the patch knows");
                }
            }
        } catch (Exception | LinkageError e) {
            warnJdk(e);
        }
    }

    private static void note(String why) {
        if (WARNED.add("jdk-spins")) {
            System.err.println("loomlet: note: LinkedTransferQueue's wait is not rewritten (" + why + "): "
                    + "SynchronousQueue handoffs between a hub's virtual threads spin before they park (slower, still correct)");
        }
    }

    private static void warnJdk(Throwable e) {
        if (WARNED.add("jdk-spins-failed")) {
            System.err.println("loomlet: warning: could not rewrite " + JdkSpins.DUAL_NODE.replace('/', '.') + " (" + e + ")");
        }
    }

    /**
     * Under the agent the watchdog is on unless {@code -Dloomlet.watchdog=off}: a patched program is
     * someone else's code, and a call that holds the hub's thread (a class initialiser that waits,
     * native code, a long computation) must be named, never silent. 500 ms unless the property says.
     */
    private static void startWatchdog() {
        if (System.getProperty("loomlet.watchdog") == null) {
            io.loomlet.Watchdog.enable(java.time.Duration.ofMillis(500));
        } else {
            io.loomlet.Watchdog.isEnabled(); // its static initialiser reads the property
        }
    }

    /** Patches the parts named by {@code options} (see the class doc). */
    static synchronized void apply(String options) {
        Set<String> parts = parse(options);
        boolean sleep = parts.contains("sleep");
        boolean threads = parts.contains("thread");
        if (parts.contains("socket")) {
            IoPatch.patchSockets();
        }
        if (parts.contains("dns")) {
            IoPatch.patchDns();
        }
        if (sleep) {
            IoPatch.patchSleep();
        }
        if (threads) {
            IoPatch.patchThreads();
            if (!parts.contains("socket") && WARNED.add("thread-without-socket")) {
                System.err.println("loomlet: note: 'thread' without 'socket': patched threads keep the JDK's own sockets, "
                        + "whose waits the JDK's poller serves rather than the hub's selector; blocking file I/O and "
                        + "native calls in them hold the hub's thread (add 'socket', or use 'all,thread')");
            }
        }
    }

    static Set<String> parse(String options) {
        Set<String> parts = new LinkedHashSet<>();
        boolean none = false;
        String o = options == null || options.isBlank() ? "all" : options;
        for (String p : o.toLowerCase(Locale.ROOT).split(",")) {
            switch (p.trim()) {
                case "all" -> parts.addAll(Set.of("socket", "dns", "sleep"));
                case "socket", "dns", "sleep", "thread" -> parts.add(p.trim());
                case "none" -> none = true;
                case "" -> { }
                default -> throw new IllegalArgumentException("loomlet agent: unknown option '" + p
                        + "' (known: all, socket, dns, sleep, thread, none)");
            }
        }
        if (none && !parts.isEmpty()) {
            throw new IllegalArgumentException("loomlet agent: 'none' patches no part and cannot be combined with " + parts);
        }
        return parts;
    }

    /**
     * Fibers are jdk.internal.vm.Continuations: export that package to the module Loomlet lives in.
     * Also open java.lang to it: hub-scheduled virtual threads are built through the JDK's hidden
     * {@code ThreadBuilders.VirtualThreadBuilder(Executor)} (see {@code io.loomlet.internal.VirtualThreads}).
     */
    private static void exportContinuations(Instrumentation inst) {
        Module base = Object.class.getModule();
        Module loomlet = Agent.class.getModule();
        if (!base.isExported("jdk.internal.vm", loomlet) || !base.isOpen("java.lang", loomlet)) {
            inst.redefineModule(base, Set.of(), Map.of("jdk.internal.vm", Set.of(loomlet)),
                    Map.of("java.lang", Set.of(loomlet)), Set.of(), Map.of());
        }
    }

    /** The class whose main the JVM runs: from the command line, or the Main-Class of the -jar jar. */
    private static String mainClass() {
        String cmd = System.getProperty("sun.java.command", "");
        String first = cmd.split(" ", 2)[0];
        if (first.endsWith(".jar")) {
            Manifest mf = mainJarManifest();
            return mf == null ? null : mf.getMainAttributes().getValue("Main-Class");
        }
        return first.isEmpty() ? null : first;
    }

    private static final class Transformer implements ClassFileTransformer {
        private final Rewriter rewriter;

        Transformer(Rewriter rewriter) {
            this.rewriter = rewriter;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                ProtectionDomain pd, byte[] bytes) {
            if (loader == null && JdkSpins.DUAL_NODE.equals(className)
                    && !"off".equals(System.getProperty("loomlet.patch.jdk"))) {
                try {
                    return JdkSpins.rewrite(bytes);
                } catch (Throwable t) {
                    warnJdk(t);
                    return null;
                }
            }
            if (loader == null || loader == ClassLoader.getPlatformClassLoader() || className == null
                    || LOOMLET_RUNTIME.matcher(className).matches() || className.startsWith("org/jctools/")
                    || className.startsWith("java/") || className.startsWith("jdk/") || className.startsWith("sun/")
                    || className.startsWith("com/sun/") || excluded(className)) {
                return null;
            }
            try {
                return rewriter.rewrite(bytes, loader);
            } catch (Throwable t) {
                if (WARNED.add(className)) {
                    System.err.println("loomlet: warning: class " + className.replace('/', '.')
                            + " could not be rewritten and runs unpatched (" + t + ")");
                }
                return null;
            }
        }
    }
}
