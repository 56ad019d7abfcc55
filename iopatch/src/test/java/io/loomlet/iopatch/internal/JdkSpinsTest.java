package io.loomlet.iopatch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.ForkedJvm;
import io.loomlet.testing.ForkedJvm.Result;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rewrite of the JDK's transfer-queue wait (#12): on this JDK's own class file it finds the call
 * it replaces, and what it produces verifies (the JVM does not verify boot classes itself); the
 * condition it adds is true on a hub's virtual thread and false on a platform thread and on a
 * virtual thread of the JDK's scheduler (checked in a forked JVM, through a probe class defined in
 * java.util.concurrent with exactly the emitted condition).
 */
class JdkSpinsTest {
    static byte[] dualNode() throws Exception {
        try (InputStream in = Object.class.getResourceAsStream("/" + JdkSpins.DUAL_NODE + ".class")) {
            assertNotNull(in, "this JDK has " + JdkSpins.DUAL_NODE);
            return in.readAllBytes();
        }
    }

    @Test
    void theRewrittenWaitVerifiesAndAsksTheCarrier() throws Exception {
        byte[] out = JdkSpins.rewrite(dualNode());
        assertNotNull(out, "this JDK's LinkedTransferQueue$DualNode.await has the call the rewrite replaces");
        assertEquals(List.of(), ClassFile.of().verify(out), "the rewritten class verifies");
        ClassModel cm = ClassFile.of().parse(out);
        MethodModel await = cm.methods().stream().filter(m -> m.methodName().equalsString("await")).findFirst().orElseThrow();
        List<String> calls = new ArrayList<>();
        for (var e : await.findAttribute(java.lang.classfile.Attributes.code()).orElseThrow()) {
            if (e instanceof InvokeInstruction i) {
                calls.add(i.owner().asInternalName() + "." + i.name().stringValue());
            } else if (e instanceof TypeCheckInstruction t) {
                calls.add("instanceof " + t.type().asInternalName());
            }
        }
        int at = calls.indexOf("java/util/concurrent/ForkJoinWorkerThread.hasKnownQueuedWork");
        assertTrue(at >= 0, calls.toString());
        assertEquals(List.of("java/util/concurrent/ForkJoinWorkerThread.hasKnownQueuedWork", "java/lang/Thread.currentThread",
                "java/lang/Thread.isVirtual", "jdk/internal/access/SharedSecrets.getJavaLangAccess",
                "jdk/internal/access/JavaLangAccess.currentCarrierThread", "instanceof java/util/concurrent/ForkJoinWorkerThread"),
                calls.subList(at, at + 6));
    }

    @Test
    void aClassWithoutTheCallIsLeftAlone() throws Exception {
        byte[] other;
        try (InputStream in = Object.class.getResourceAsStream("/java/util/concurrent/SynchronousQueue.class")) {
            other = in.readAllBytes();
        }
        assertNull(JdkSpins.rewrite(other), "no await with the call: null, the class runs as it is");
    }

    @Test
    void theConditionHoldsOnlyOnAHubsVirtualThread() {
        Result r = ForkedJvm.main(NoSpinProbe.class).classpath(System.getProperty("java.class.path"))
                .exports().jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED")
                .timeout(Duration.ofSeconds(60)).run();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("platform false"), r.out());
        assertTrue(r.out().contains("jdk-virtual false"), r.out());
        assertTrue(r.out().contains("hub-virtual true"), r.out());
    }
}
