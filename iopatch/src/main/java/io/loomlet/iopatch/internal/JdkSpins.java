package io.loomlet.iopatch.internal;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stops the JDK's transfer queues from spinning in a hub's virtual threads.
 *
 * <p>{@code LinkedTransferQueue} (and {@code SynchronousQueue}, which is built on it, so every
 * {@code Executors.newCachedThreadPool} worker going idle) spins 128 times with
 * {@code Thread.onSpinWait()} before it parks, hoping that the partner, running on another core,
 * comes in the meantime. Its own design notes say a virtual thread should block at once instead;
 * the code asks only whether the carrier is a {@code ForkJoinWorkerThread} with queued work. A hub's
 * virtual threads share one carrier that is not a ForkJoinPool worker, so the partner can never come
 * while the spinner holds that carrier: the spin is pure loss, measured at about 2.6 µs per
 * handoff between two of a hub's virtual threads (BENCHMARKS.md, #12).
 *
 * <p>The rewrite changes one call in {@code LinkedTransferQueue$DualNode.await}, the wait that both
 * queues use: {@code ForkJoinWorkerThread.hasKnownQueuedWork()} ("do not spin") becomes that call
 * <em>or</em> "this is a virtual thread whose carrier is not a ForkJoinPool worker", that is, a
 * virtual thread with a scheduler of its own (the only such threads in practice are a hub's). Virtual
 * threads of the JDK's scheduler and platform threads behave exactly as before. The added bytecode
 * uses only {@code java.base} (the JDK's internal {@code JavaLangAccess.currentCarrierThread()}, the
 * same call the original makes), so the JDK class needs no new reads or exports. The JVM does not
 * verify classes of the boot loader, so the rewrite verifies its own output and gives up (the JDK
 * runs as it is) if the Class-File API's verifier finds anything.
 *
 * <p>What it gives up: a hub virtual thread whose partner is on another hub or a platform thread,
 * which could arrive during the spin, now parks at once, as on a one-core machine (unmeasured; the
 * common case, both on one hub, is the one the spin can never help).
 */
public final class JdkSpins {
    /** The class rewritten: the node of LinkedTransferQueue, whose await spins. */
    public static final String DUAL_NODE = "java/util/concurrent/LinkedTransferQueue$DualNode";

    private static final ClassDesc FJWT = ClassDesc.ofInternalName("java/util/concurrent/ForkJoinWorkerThread");
    private static final ClassDesc THREAD = ClassDesc.of("java.lang.Thread");
    private static final ClassDesc SHARED_SECRETS = ClassDesc.ofInternalName("jdk/internal/access/SharedSecrets");
    private static final ClassDesc JLA = ClassDesc.ofInternalName("jdk/internal/access/JavaLangAccess");

    /** The JDK classes this JVM runs rewritten (internal names), for diagnostics and tests. */
    private static final Set<String> REWRITTEN = ConcurrentHashMap.newKeySet();
    /** Set when the transformer handed the JVM rewritten bytes, before the JVM has accepted them. */
    private static volatile boolean produced;

    private JdkSpins() {
    }

    /** The JDK classes this JVM runs rewritten (internal names). */
    public static Set<String> rewritten() {
        return Set.copyOf(REWRITTEN);
    }

    /**
     * The rewritten class file of {@link #DUAL_NODE}, or null when the JDK's code is not the shape
     * this rewrite knows (another JDK version) or the result does not verify: then it runs as it is,
     * spinning.
     */
    public static byte[] rewrite(byte[] bytes) {
        ClassFile cf = ClassFile.of();
        ClassModel cm = cf.parse(bytes);
        int[] found = {0};
        CodeTransform replace = (CodeBuilder cob, CodeElement e) -> {
            if (e instanceof InvokeInstruction i && i.owner().asSymbol().equals(FJWT)
                    && i.name().equalsString("hasKnownQueuedWork") && i.typeSymbol().descriptorString().equals("()Z")) {
                found[0]++;
                emitNoSpin(cob);
            } else {
                cob.with(e);
            }
        };
        byte[] out = cf.transformClass(cm, ClassTransform.transformingMethodBodies(
                m -> m.methodName().equalsString("await"), replace));
        if (found[0] != 1 || !cf.verify(out).isEmpty()) {
            return null;
        }
        produced = true;
        return out;
    }

    /**
     * Called once the JVM has loaded (or retransformed) {@link #DUAL_NODE} without an error: true if
     * it took the rewritten bytes, which {@link #rewritten()} then lists.
     */
    public static boolean confirm() {
        if (produced) {
            REWRITTEN.add(DUAL_NODE);
        }
        return produced;
    }

    /**
     * For tests: a class {@code className} (internal name, in {@code java/util/concurrent}) with one
     * method, {@code public static boolean noSpin()}, whose body is exactly the condition the rewrite
     * puts into the JDK's wait. Defined in that package (a lookup opened to it), it says on any thread
     * whether the rewritten wait would skip its spin there.
     */
    static byte[] probe(String className) {
        return ClassFile.of().build(ClassDesc.ofInternalName(className), cb -> cb
                .withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL)
                .withMethodBody("noSpin", MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_boolean),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, cob -> {
                            emitNoSpin(cob);
                            cob.ireturn();
                        }));
    }

    /**
     * Leaves on the stack: {@code ForkJoinWorkerThread.hasKnownQueuedWork() || (Thread.currentThread().isVirtual()
     * && !(carrier instanceof ForkJoinWorkerThread))}.
     */
    private static void emitNoSpin(CodeBuilder cob) {
        Label yes = cob.newLabel();
        Label no = cob.newLabel();
        Label end = cob.newLabel();
        cob.invokestatic(FJWT, "hasKnownQueuedWork", MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_boolean));
        cob.ifne(yes);
        cob.invokestatic(THREAD, "currentThread", MethodTypeDesc.of(THREAD));
        cob.invokevirtual(THREAD, "isVirtual", MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_boolean));
        cob.ifeq(no);
        cob.invokestatic(SHARED_SECRETS, "getJavaLangAccess", MethodTypeDesc.of(JLA));
        cob.invokeinterface(JLA, "currentCarrierThread", MethodTypeDesc.of(THREAD));
        cob.instanceOf(FJWT);
        cob.ifne(no);
        cob.labelBinding(yes);
        cob.iconst_1();
        cob.goto_(end);
        cob.labelBinding(no);
        cob.iconst_0();
        cob.labelBinding(end);
    }
}
