package io.loomlet.iopatch.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.InvokeInstruction;
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

    private final String mainClass; // internal name, or null
    /** Owner internal name -> is it java.lang.Thread or a subclass (read from class files, never loaded). */
    private final Map<String, Boolean> threadTypes = new ConcurrentHashMap<>();

    /**
     * Every target call site is redirected whatever is patched: each Patched method checks at run
     * time whether its part is patched and otherwise does exactly what the original call did. So a
     * part patched after start (IoPatch.patchThreads, the launcher's --patch) still reaches every class.
     */
    public Rewriter(String mainClass) {
        this.mainClass = mainClass == null ? null : mainClass.replace('.', '/');
        threadTypes.put(THREAD, true);
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

    /** A cheap look at the constant pool before paying for a transform. */
    private boolean mentionsTargets(ClassModel cm, ClassLoader loader) {
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
        {
            String withReceiver = switch (name + type) {
                case "start()V" -> "(Ljava/lang/Thread;)V";
                case "join()V" -> "(Ljava/lang/Thread;)V";
                case "join(J)V" -> "(Ljava/lang/Thread;J)V";
                case "join(Ljava/time/Duration;)Z" -> "(Ljava/lang/Thread;Ljava/time/Duration;)Z";
                case "isAlive()Z" -> "(Ljava/lang/Thread;)Z";
                default -> null;
            };
            if (withReceiver != null && isThreadType(owner, loader)) {
                return withReceiver;
            }
        }
        return null;
    }

    /** Whether {@code owner} is Thread or extends it, by reading class files (loading nothing). */
    private boolean isThreadType(String owner, ClassLoader loader) {
        Boolean known = threadTypes.get(owner);
        if (known != null) {
            return known;
        }
        boolean result = false;
        String c = owner;
        for (int depth = 0; c != null && depth < 32; depth++) {
            if (c.equals(THREAD)) {
                result = true;
                break;
            }
            if (c.equals("java/lang/Object")) {
                break;
            }
            c = superOf(c, loader);
        }
        threadTypes.put(owner, result);
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
