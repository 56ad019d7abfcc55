package io.loomlet.iopatch.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites call sites with the JDK's Class-File API (no ASM): each blocking JDK call becomes a
 * static call into {@code io.loomlet.iopatch.Patched} with the same stack shape (a virtual call's
 * receiver becomes the first argument), so the code around it is untouched. The main class's
 * {@code main} also calls {@code Patched.mainReturning()} before it returns, so the JVM waits for
 * patched non-daemon threads as it would for real ones.
 */
public final class Rewriter {
    private static final String PATCHED = "io/loomlet/iopatch/Patched";
    private static final ClassDesc PATCHED_DESC = ClassDesc.ofInternalName(PATCHED);
    private static final String THREAD = "java/lang/Thread";
    private static final String TIME_UNIT = "java/util/concurrent/TimeUnit";
    private static final String LOCK = "java/util/concurrent/locks/Lock";
    private static final String REENTRANT_LOCK = "java/util/concurrent/locks/ReentrantLock";
    private static final String THREAD_LOCAL = "java/lang/ThreadLocal";

    private final String mainClass; // internal name, or null
    /** "base owner" -> is owner base or a subclass of it (read from class files, never loaded). */
    private final Map<String, Boolean> subtypes = new ConcurrentHashMap<>();

    /**
     * Every target call site is redirected whatever is patched: each Patched method checks at run
     * time whether its part is patched and otherwise does exactly what the original call did. So a
     * part patched after start (IoPatch.patchThreads, the launcher's --patch) still reaches every class.
     */
    public Rewriter(String mainClass) {
        this.mainClass = mainClass == null ? null : mainClass.replace('.', '/');
    }

    /** The rewritten class, or null when it has nothing to rewrite. */
    public byte[] rewrite(byte[] bytes, ClassLoader loader) {
        ClassFile plain = ClassFile.of();
        ClassModel cm = plain.parse(bytes);
        boolean isMain = cm.thisClass().asInternalName().equals(mainClass);
        if (!isMain && !mentionsTargets(cm, loader)) {
            return null;
        }
        // Stack maps are regenerated; resolve the hierarchy from class files of the defining loader,
        // never by loading classes in the middle of a transform.
        ClassHierarchyResolver resolver = ClassHierarchyResolver.ofResourceParsing(loader)
                .orElse(ClassHierarchyResolver.defaultResolver());
        ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
        // One code transform per method. (Chaining a second, main-only transform with andThen lost
        // the call rewriting of the other methods: measured, so kept as one pass.)
        ClassTransform t = (cb, ce) -> {
            if (ce instanceof MethodModel mm) {
                boolean mainMethod = isMain && isMainMethod(mm);
                cb.transformMethod(mm, MethodTransform.transformingCode((cob, coe) -> {
                    if (coe instanceof InvokeInstruction i && replace(i, cob, loader)) {
                        return;
                    }
                    if (coe instanceof MonitorInstruction m) {
                        // keep the real monitor, with a fiber lock before it (see FiberMonitors)
                        MethodTypeDesc objV = MethodTypeDesc.ofDescriptor("(Ljava/lang/Object;)V");
                        cob.dup();
                        if (m.opcode() == Opcode.MONITORENTER) {
                            cob.invokestatic(PATCHED_DESC, "monitorEnter", objV);
                            cob.with(coe);
                        } else {
                            cob.with(coe);
                            cob.invokestatic(PATCHED_DESC, "monitorExit", objV);
                        }
                        return;
                    }
                    if (mainMethod && coe instanceof ReturnInstruction) {
                        cob.invokestatic(PATCHED_DESC, "mainReturning", MethodTypeDesc.ofDescriptor("()V"));
                    }
                    cob.with(coe);
                }));
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

    /** A cheap look at the constant pool (and for synchronized blocks) before paying for a transform. */
    private boolean mentionsTargets(ClassModel cm, ClassLoader loader) {
        for (MethodModel m : cm.methods()) {
            if (m.code().isPresent() && m.code().get().elementStream().anyMatch(e -> e instanceof MonitorInstruction)) {
                return true;
            }
        }
        for (PoolEntry e : cm.constantPool()) {
            if (e instanceof MemberRefEntry m && target(m.owner().asInternalName(), m.name().stringValue(),
                    m.type().stringValue(), loader) != null) {
                return true;
            }
        }
        return false;
    }

    private boolean replace(InvokeInstruction i, java.lang.classfile.CodeBuilder cob, ClassLoader loader) {
        String desc = target(i.owner().asInternalName(), i.name().stringValue(), i.type().stringValue(), loader);
        if (desc == null) {
            return false;
        }
        String name = i.name().stringValue();
        if (name.equals("yield")) {
            name = "yieldNow";
        } else if (i.owner().asInternalName().equals(THREAD_LOCAL) || isType(i.owner().asInternalName(), THREAD_LOCAL, loader)) {
            name = switch (name) {
                case "get" -> "threadLocalGet";
                case "set" -> "threadLocalSet";
                default -> "threadLocalRemove";
            };
        }
        cob.invokestatic(PATCHED_DESC, name, MethodTypeDesc.ofDescriptor(desc));
        return true;
    }

    /** The descriptor of the Patched method replacing this call, or null to keep it. */
    private String target(String owner, String name, String type, ClassLoader loader) {
        if (owner.equals(THREAD)) {
            switch (name + type) {
                case "sleep(J)V", "sleep(JI)V", "sleep(Ljava/time/Duration;)V", "yield()V", "onSpinWait()V" -> {
                    return type;
                }
                default -> { }
            }
        }
        if (owner.equals(TIME_UNIT) && name.equals("sleep") && type.equals("(J)V")) {
            return "(Ljava/util/concurrent/TimeUnit;J)V";
        }
        if (owner.equals(LOCK) || owner.equals(REENTRANT_LOCK)) {
            switch (name + type) {
                case "lock()V", "unlock()V", "lockInterruptibly()V" -> {
                    return "(Ljava/util/concurrent/locks/Lock;)V";
                }
                case "tryLock()Z" -> {
                    return "(Ljava/util/concurrent/locks/Lock;)Z";
                }
                default -> { }
            }
        }
        if (owner.equals(THREAD_LOCAL) || (!owner.startsWith("java/") && isType(owner, THREAD_LOCAL, loader))) {
            switch (name + type) {
                case "get()Ljava/lang/Object;" -> {
                    return "(Ljava/lang/ThreadLocal;)Ljava/lang/Object;";
                }
                case "set(Ljava/lang/Object;)V" -> {
                    return "(Ljava/lang/ThreadLocal;Ljava/lang/Object;)V";
                }
                case "remove()V" -> {
                    return "(Ljava/lang/ThreadLocal;)V";
                }
                default -> { }
            }
        }
        {
            String withReceiver = switch (name + type) {
                case "start()V" -> "(Ljava/lang/Thread;)V";
                case "join()V" -> "(Ljava/lang/Thread;)V";
                case "join(J)V" -> "(Ljava/lang/Thread;J)V";
                case "join(Ljava/time/Duration;)Z" -> "(Ljava/lang/Thread;Ljava/time/Duration;)Z";
                case "isAlive()Z" -> "(Ljava/lang/Thread;)Z";
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
