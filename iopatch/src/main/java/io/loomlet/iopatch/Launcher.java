package io.loomlet.iopatch;

import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Runs an unmodified program patched: the twin of {@code python -m gevent.monkey app.py}.
 *
 * <pre>
 * java -jar loomlet-agent.jar [--patch all,thread] -cp APP_CLASSPATH MAIN_CLASS [ARGS...]
 * java -jar loomlet-agent.jar [--patch all,thread] -jar APP.jar [ARGS...]
 * </pre>
 *
 * The agent (this jar's Launcher-Agent-Class) is already active when this runs; the launcher applies
 * the chosen parts, loads the program in a class loader of its own (so its classes are rewritten as
 * they load), and runs its main: under the thread patch as a virtual thread of this thread's hub,
 * waiting for the program's non-daemon patched threads as the JVM would for real ones.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String patch = "all";
        String cp = null;
        String jar = null;
        String mainName = null;
        int i = 0;
        while (i < args.length && mainName == null && jar == null) {
            String a = args[i++];
            switch (a) {
                case "--patch" -> patch = value(args, i++, a);
                case "-cp", "-classpath", "--class-path" -> cp = value(args, i++, a);
                case "-jar" -> jar = value(args, i++, a);
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    if (a.startsWith("-")) {
                        usage();
                        throw new IllegalArgumentException("unknown launcher option " + a);
                    }
                    mainName = a;
                }
            }
        }
        String mainClass;
        List<URL> urls = new ArrayList<>();
        if (jar != null) {
            urls.add(new File(jar).toURI().toURL());
            try (JarFile jf = new JarFile(jar)) {
                mainClass = jf.getManifest() == null ? null : jf.getManifest().getMainAttributes().getValue("Main-Class");
            }
            if (mainClass == null) {
                throw new IllegalArgumentException(jar + " has no Main-Class in its manifest");
            }
        } else {
            if (mainName == null) {
                usage();
                System.exit(2);
                return;
            }
            mainClass = mainName;
            if (cp != null) {
                for (String p : cp.split(File.pathSeparator)) {
                    urls.addAll(expand(p));
                }
            }
        }
        String[] appArgs = Arrays.copyOfRange(args, Math.min(i, args.length), args.length);
        if (!IoPatch.isAgentActive()) {
            throw new IllegalStateException("the launcher needs its agent: run it as java -jar loomlet-agent.jar ...");
        }
        Agent.apply(patch);
        ClassLoader app = new URLClassLoader("app", urls.toArray(URL[]::new), Launcher.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(app);
        Class<?> main = Class.forName(mainClass, true, app);
        MethodHandle mh = MethodHandles.publicLookup().findStatic(main, "main", MethodType.methodType(void.class, String[].class));
        Patched.runMain(() -> mh.invoke(appArgs));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<URL> expand(String entry) throws MalformedURLException {
        List<URL> out = new ArrayList<>();
        if (entry.endsWith("*")) {
            File dir = new File(entry.substring(0, entry.length() - 1));
            File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
            if (jars != null) {
                for (File f : jars) {
                    out.add(f.toURI().toURL());
                }
            }
        } else if (!entry.isEmpty()) {
            out.add(new File(entry).toURI().toURL());
        }
        return out;
    }

    private static void usage() {
        System.err.println("usage: java -jar loomlet-agent.jar [--patch all,thread] -cp APP_CLASSPATH MAIN_CLASS [ARGS...]");
        System.err.println("       java -jar loomlet-agent.jar [--patch all,thread] -jar APP.jar [ARGS...]");
        System.err.println("parts: all (socket,dns,sleep), socket, dns, sleep, thread (opt-in)");
    }
}
