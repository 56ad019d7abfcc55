package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import org.junit.jupiter.api.Test;

/**
 * The trampoline must never be inlined into a park (#8): C2 inlines a hot method of up to 325
 * bytecodes (FreqInlineSize), and a park with the loop inside grows too big to be inlined into
 * sleep and the other blocking calls, which made a root's 1 ns sleep about 10 ns slower. This keeps
 * Scheduler.runLoop above that limit when someone shortens it; read Scheduler.runLoop's comment.
 */
class InliningGuardTest {
    @Test
    void theLoopStaysTooBigForC2ToInlineIntoPark() throws Exception {
        ClassModel cm;
        try (InputStream in = Scheduler.class.getResourceAsStream("Scheduler.class")) {
            cm = ClassFile.of().parse(in.readAllBytes());
        }
        MethodModel loop = cm.methods().stream().filter(m -> m.methodName().equalsString("runLoop")).findFirst().orElseThrow();
        int size = loop.findAttribute(Attributes.code()).orElseThrow().codeLength();
        assertTrue(size > 325, "Scheduler.runLoop is " + size + " bytecodes: at 325 or fewer C2 inlines it into the root's park");
    }
}
