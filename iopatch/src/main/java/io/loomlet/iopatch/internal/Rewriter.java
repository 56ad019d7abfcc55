package io.loomlet.iopatch.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites call sites with the JDK's Class-File API (no ASM): each targeted JDK call becomes a
 * static call into {@code io.loomlet.iopatch.Patched} with the same stack shape (a virtual call's
 * receiver becomes the first argument), so the code around it is untouched. Every target is
 * redirected whatever is patched: each {@code Patched} method checks at run time whether its part is
 * patched and otherwise does exactly what the original call did, so a part patched after start
 * (IoPatch.patchThreads, the launcher's --patch) still reaches every class.
 *
 * <p>What is rewritten:
 * <ul>
 *   <li>sleep: {@code Thread.sleep} (all overloads), {@code TimeUnit.sleep}, {@code Thread.yield},
 *       {@code Thread.onSpinWait};</li>
 *   <li>thread creation, so that threads become virtual threads scheduled by a hub:
 *       {@code new Thread(...)} (the {@code new}/{@code dup} pair goes, the constructor call becomes a
 *       static factory call returning the thread: the stack after it is the same),
 *       {@code Thread.ofVirtual()}, {@code Thread.startVirtualThread}, the terminal calls of a platform
 *       {@code Thread.Builder}, the {@code Executors} methods that use the default thread factory, and
 *       the {@code ThreadPoolExecutor}/{@code ScheduledThreadPoolExecutor} constructors without a
 *       factory (the factory is pushed before the constructor call; also for a subclass's
 *       {@code super(...)});</li>
 *   <li>the few {@code Thread} methods that must reach the virtual thread standing in for a started
 *       {@code Thread} subclass ({@code start}, {@code join}, {@code isAlive}, {@code interrupt},
 *       {@code isInterrupted}, {@code getState}, {@code setDaemon}, {@code isDaemon}, and the static
 *       {@code currentThread});</li>
 *   <li>{@code HttpClient.newHttpClient()} and {@code HttpClient.Builder.build()}/{@code executor}: a
 *       client built without an executor gets one whose threads are patched threads (the JDK makes
 *       its own worker threads where nothing is rewritten; see {@code PatchedHttp});</li>
 *   <li>the main class's {@code main} starts with a call that, under the thread patch, runs main
 *       itself as a virtual thread of the main thread's hub (and returns once it is done).</li>
 * </ul>
 * Monitors, {@code java.util.concurrent} locks and thread locals are not touched: in a virtual
 * thread the JDK gives them their real meaning.
 */
public final class Rewriter {
    private static final String PATCHED = "io/loomlet/iopatch/Patched";
    private static final ClassDesc PATCHED_DESC = ClassDesc.ofInternalName(PATCHED);
    private static final ClassDesc PATCHED_HTTP = ClassDesc.ofInternalName("io/loomlet/iopatch/PatchedHttp");
    private static final String HTTP_CLIENT = "java/net/http/HttpClient";
    private static final String HTTP_BUILDER = "java/net/http/HttpClient$Builder";
    private static final String THREAD = "java/lang/Thread";
    private static final String TIME_UNIT = "java/util/concurrent/TimeUnit";
    private static final String EXECUTORS = "java/util/concurrent/Executors";
    private static final String TPE = "java/util/concurrent/ThreadPoolExecutor";
    private static final String STPE = "java/util/concurrent/ScheduledThreadPoolExecutor";
    private static final String BUILDER = "java/lang/Thread$Builder";
    private static final String PLATFORM_BUILDER = "java/lang/Thread$Builder$OfPlatform";
    private static final String TF = "Ljava/util/concurrent/ThreadFactory;";
    private static final String REH = "Ljava/util/concurrent/RejectedExecutionHandler;";
    private static final String TPE_ARGS = "IIJLjava/util/concurrent/TimeUnit;Ljava/util/concurrent/BlockingQueue;";
    private static final MethodTypeDesc FACTORY = MethodTypeDesc.ofDescriptor("()" + TF);

    private final String mainClass; // internal name, or null
    /** "base owner" -> is owner base or a subclass of it (read from class files, never loaded). */
    private final Map<String, Boolean> subtypes = new ConcurrentHashMap<>();

    public Rewriter(String mainClass) {
        this.mainClass = mainClass == null ? null : mainClass.replace('.', '/');
    }

    /** The rewritten class, or null when it has nothing to rewrite. */
    public byte[] rewrite(byte[] bytes, ClassLoader loader) {
        ClassModel cm = ClassFile.of().parse(bytes);
        String self = cm.thisClass().asInternalName();
        boolean isMain = self.equals(mainClass);
        if (!isMain && !mentionsTargets(cm, loader)) {
            return null;
        }
        // Stack maps are regenerated; resolve the hierarchy from class files of the defining loader,
        // never by loading classes in the middle of a transform.
        ClassHierarchyResolver resolver = ClassHierarchyResolver.ofResourceParsing(loader)
                .orElse(ClassHierarchyResolver.defaultResolver());
        ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
        ClassDesc selfDesc = cm.thisClass().asSymbol();
        ClassTransform t = (cb, ce) -> {
            if (ce instanceof MethodModel mm) {
                boolean mainMethod = isMain && isMainMethod(mm);
                // a fresh transform per method: it carries the state of a new/dup pair in flight
                cb.transformMethod(mm, MethodTransform.transformingCode(new Calls(loader, mainMethod ? selfDesc : null)));
            } else {
                cb.with(ce);
            }
        };
        return cf.transformClass(cm, t);
    }

    private static boolean isMainMethod(MethodModel m) {
        return m.methodName().equalsString("main") && m.methodType().equalsString("([Ljava/lang/String;)V")
                && (m.flags().flagsMask() & ClassFile.ACC_STATIC) != 0;
    }

    /** A cheap look at the constant pool before paying for a transform. */
    private boolean mentionsTargets(ClassModel cm, ClassLoader loader) {
        for (PoolEntry e : cm.constantPool()) {
            if (e instanceof MemberRefEntry m) {
                String owner = m.owner().asInternalName();
                String name = m.name().stringValue();
                String type = m.type().stringValue();
                if (target(owner, name, type, loader, Opcode.INVOKEVIRTUAL) != null
                        || target(owner, name, type, loader, Opcode.INVOKESTATIC) != null
                        || target(owner, name, type, loader, Opcode.INVOKEINTERFACE) != null
                        || (name.equals("<init>") && (owner.equals(THREAD) || constructorFactory(owner, type) != null))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The code transform of one method. */
    private final class Calls implements CodeTransform {
        private final ClassLoader loader;
        /** The main class's descriptor when this is its main method, else null. */
        private final ClassDesc mainOf;
        /** A {@code new Thread} not yet emitted: dropped if a {@code dup} follows. */
        private NewObjectInstruction held;
        /** Dropped new/dup pairs whose constructor call has not come yet (nested ones stack up). */
        private int pendingThreads;

        Calls(ClassLoader loader, ClassDesc mainOf) {
            this.loader = loader;
            this.mainOf = mainOf;
        }

        @Override
        public void atStart(CodeBuilder cob) {
            if (mainOf != null) {
                // if (Patched.mainEntry(args, ThisClass.class)) return;   (see Patched.mainEntry)
                java.lang.classfile.Label go = cob.newLabel();
                cob.aload(0);
                cob.ldc(mainOf);
                cob.invokestatic(PATCHED_DESC, "mainEntry",
                        MethodTypeDesc.ofDescriptor("([Ljava/lang/String;Ljava/lang/Class;)Z"));
                cob.ifeq(go);
                cob.return_();
                cob.labelBinding(go);
            }
        }

        @Override
        public void accept(CodeBuilder cob, CodeElement coe) {
            if (held != null) {
                NewObjectInstruction n = held;
                held = null;
                if (coe instanceof StackInstruction s && s.opcode() == Opcode.DUP) {
                    pendingThreads++; // both go: the factory call pushes the thread the pair stood for
                    return;
                }
                cob.with(n); // not the javac shape: leave it alone
            }
            if (coe instanceof NewObjectInstruction n && n.className().asInternalName().equals(THREAD)) {
                held = n;
                return;
            }
            if (coe instanceof InvokeInstruction i && replace(i, cob)) {
                return;
            }
            cob.with(coe);
        }

        @Override
        public void atEnd(CodeBuilder cob) {
            if (held != null) {
                cob.with(held);
                held = null;
            }
        }

        private boolean replace(InvokeInstruction i, CodeBuilder cob) {
            String owner = i.owner().asInternalName();
            String name = i.name().stringValue();
            String type = i.type().stringValue();
            if (i.opcode() == Opcode.INVOKESPECIAL && name.equals("<init>")) {
                if (owner.equals(THREAD) && pendingThreads > 0) {
                    // the constructor of a dropped new/dup pair (a super(...) call never has one)
                    pendingThreads--;
                    cob.invokestatic(PATCHED_DESC, "newThread",
                            MethodTypeDesc.ofDescriptor(type.replace(")V", ")L" + THREAD + ";")));
                    return true;
                }
                String withFactory = constructorFactory(owner, type);
                if (withFactory != null) {
                    cob.invokestatic(PATCHED_DESC, "threadFactory", FACTORY);
                    if (type.endsWith(REH + ")V")) {
                        cob.swap(); // the factory goes before the rejection handler
                    }
                    cob.invokespecial(i.owner().asSymbol(), "<init>", MethodTypeDesc.ofDescriptor(withFactory));
                    return true;
                }
                return false;
            }
            String desc = target(owner, name, type, loader, i.opcode());
            if (desc == null) {
                return false;
            }
            boolean http = owner.equals(HTTP_CLIENT) || owner.equals(HTTP_BUILDER);
            cob.invokestatic(http ? PATCHED_HTTP : PATCHED_DESC, patchedName(owner, name), MethodTypeDesc.ofDescriptor(desc));
            return true;
        }
    }

    /** The name of the Patched method for a call of {@code owner.name}. */
    private static String patchedName(String owner, String name) {
        if (name.equals("yield")) {
            return "yieldNow";
        }
        if (owner.equals(BUILDER) || owner.equals(PLATFORM_BUILDER)) {
            return switch (name) {
                case "start" -> "builderStart";
                case "unstarted" -> "builderUnstarted";
                default -> "builderFactory";
            };
        }
        return name;
    }

    /**
     * For a pool constructor that uses the default thread factory: the descriptor of the same
     * constructor with a factory; else null.
     */
    private static String constructorFactory(String owner, String type) {
        if (owner.equals(TPE)) {
            if (type.equals("(" + TPE_ARGS + ")V")) {
                return "(" + TPE_ARGS + TF + ")V";
            }
            if (type.equals("(" + TPE_ARGS + REH + ")V")) {
                return "(" + TPE_ARGS + TF + REH + ")V";
            }
        } else if (owner.equals(STPE)) {
            if (type.equals("(I)V")) {
                return "(I" + TF + ")V";
            }
            if (type.equals("(I" + REH + ")V")) {
                return "(I" + TF + REH + ")V";
            }
        }
        return null;
    }

    /** The descriptor of the Patched method replacing this call, or null to keep it. */
    private String target(String owner, String name, String type, ClassLoader loader, Opcode op) {
        if (op == Opcode.INVOKESTATIC) {
            return switch (owner) {
                case THREAD -> switch (name + type) {
                    case "sleep(J)V", "sleep(JI)V", "sleep(Ljava/time/Duration;)V", "yield()V", "onSpinWait()V",
                         "currentThread()Ljava/lang/Thread;", "ofVirtual()Ljava/lang/Thread$Builder$OfVirtual;",
                         "startVirtualThread(Ljava/lang/Runnable;)Ljava/lang/Thread;" -> type;
                    default -> null;
                };
                case EXECUTORS -> switch (name + type) {
                    case "newFixedThreadPool(I)Ljava/util/concurrent/ExecutorService;",
                         "newCachedThreadPool()Ljava/util/concurrent/ExecutorService;",
                         "newSingleThreadExecutor()Ljava/util/concurrent/ExecutorService;",
                         "newScheduledThreadPool(I)Ljava/util/concurrent/ScheduledExecutorService;",
                         "newSingleThreadScheduledExecutor()Ljava/util/concurrent/ScheduledExecutorService;",
                         "defaultThreadFactory()Ljava/util/concurrent/ThreadFactory;",
                         "newVirtualThreadPerTaskExecutor()Ljava/util/concurrent/ExecutorService;" -> type;
                    default -> null;
                };
                case HTTP_CLIENT -> (name + type).equals("newHttpClient()Ljava/net/http/HttpClient;") ? type : null;
                default -> null;
            };
        }
        if (op == Opcode.INVOKEVIRTUAL && owner.equals(TIME_UNIT) && name.equals("sleep") && type.equals("(J)V")) {
            return "(L" + TIME_UNIT + ";J)V";
        }
        if (op == Opcode.INVOKEINTERFACE && owner.equals(HTTP_BUILDER)) {
            // java.net.http makes its worker threads inside the JDK: see PatchedHttp
            return switch (name + type) {
                case "executor(Ljava/util/concurrent/Executor;)Ljava/net/http/HttpClient$Builder;",
                     "build()Ljava/net/http/HttpClient;" -> "(L" + HTTP_BUILDER + ";" + type.substring(1);
                default -> null;
            };
        }
        if (op == Opcode.INVOKEINTERFACE && (owner.equals(BUILDER) || owner.equals(PLATFORM_BUILDER))) {
            return switch (name + type) {
                case "start(Ljava/lang/Runnable;)Ljava/lang/Thread;", "unstarted(Ljava/lang/Runnable;)Ljava/lang/Thread;",
                     "factory()Ljava/util/concurrent/ThreadFactory;" -> "(L" + BUILDER + ";" + type.substring(1);
                default -> null;
            };
        }
        if (op == Opcode.INVOKEVIRTUAL) {
            String withReceiver = switch (name + type) {
                case "start()V", "join()V", "interrupt()V" -> "(L" + THREAD + ";)V";
                case "join(J)V" -> "(L" + THREAD + ";J)V";
                case "join(JI)V" -> "(L" + THREAD + ";JI)V";
                case "join(Ljava/time/Duration;)Z" -> "(L" + THREAD + ";Ljava/time/Duration;)Z";
                case "isAlive()Z", "isInterrupted()Z", "isDaemon()Z" -> "(L" + THREAD + ";)Z";
                case "setDaemon(Z)V" -> "(L" + THREAD + ";Z)V";
                case "getState()Ljava/lang/Thread$State;" -> "(L" + THREAD + ";)Ljava/lang/Thread$State;";
                default -> null;
            };
            if (withReceiver != null && isType(owner, THREAD, loader)) {
                return withReceiver;
            }
        }
        return null;
    }

    /** Whether {@code owner} is {@code base} or extends it, by reading class files (loading nothing). */
    private boolean isType(String owner, String base, ClassLoader loader) {
        if (owner.equals(base)) {
            return true;
        }
        if (owner.startsWith("java/") || owner.startsWith("[")) {
            return false; // no JDK class but Thread itself is a Thread these calls should follow
        }
        String key = base + " " + owner;
        Boolean known = subtypes.get(key);
        if (known != null) {
            return known;
        }
        boolean result = false;
        String c = owner;
        for (int depth = 0; c != null && depth < 32; depth++) {
            if (c.equals(base)) {
                result = true;
                break;
            }
            if (c.equals("java/lang/Object")) {
                break;
            }
            c = superOf(c, loader);
        }
        subtypes.put(key, result);
        return result;
    }

    private static String superOf(String internalName, ClassLoader loader) {
        String res = internalName + ".class";
        try (InputStream in = loader != null ? loader.getResourceAsStream(res) : ClassLoader.getSystemResourceAsStream(res)) {
            if (in == null) {
                return null;
            }
            ClassModel m = ClassFile.of().parse(in.readAllBytes());
            return m.superclass().map(s -> s.asInternalName()).orElse(null);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
