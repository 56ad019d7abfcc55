package io.loomlet.iopatch.programs;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.Map;
import java.util.Set;

/**
 * Forked by LegacyLaunchTest under the agent. Makes classes that exist only as bytes in a loader
 * without resources: gen.B, gen.C, and gen.Sleeper, whose method merges a B and a C and then calls
 * Thread.sleep. Rewriting Sleeper needs the common supertype of B and C, which nobody can find, so
 * the agent must leave it as it is, warn once, and it must still run.
 */
public final class Unrewritable {
    static final ClassDesc B = ClassDesc.of("gen.B");
    static final ClassDesc C = ClassDesc.of("gen.C");
    static final ClassDesc SLEEPER = ClassDesc.of("gen.Sleeper");

    public static void main(String[] args) throws Exception {
        ClassHierarchyResolver known = ClassHierarchyResolver.defaultResolver()
                .orElse(ClassHierarchyResolver.of(Set.of(), Map.of(B, ConstantDescs.CD_Object, C, ConstantDescs.CD_Object)));
        ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(known));
        byte[] b = empty(cf, B);
        byte[] c = empty(cf, C);
        byte[] sleeper = cf.build(SLEEPER, clb -> clb.withMethodBody("run", MethodTypeDesc.of(ConstantDescs.CD_void,
                ConstantDescs.CD_boolean), ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, cob -> {
                    cob.iload(0).ifThenElse(
                            t -> t.new_(B).dup().invokespecial(B, "<init>", MethodTypeDesc.of(ConstantDescs.CD_void)),
                            e -> e.new_(C).dup().invokespecial(C, "<init>", MethodTypeDesc.of(ConstantDescs.CD_void)));
                    cob.astore(1);
                    cob.ldc(1L).invokestatic(ClassDesc.of("java.lang.Thread"), "sleep",
                            MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_long));
                    cob.return_();
                }));
        ClassLoader bytesOnly = new ClassLoader("bytes-only", Unrewritable.class.getClassLoader()) {
            {
                defineClass("gen.B", b, 0, b.length);
                defineClass("gen.C", c, 0, c.length);
                defineClass("gen.Sleeper", sleeper, 0, sleeper.length);
            }
        };
        Class<?> s = bytesOnly.loadClass("gen.Sleeper");
        s.getMethod("run", boolean.class).invoke(null, true);
        s.getMethod("run", boolean.class).invoke(null, false);
        System.out.println("RAN unpatched");
    }

    static byte[] empty(ClassFile cf, ClassDesc name) {
        return cf.build(name, clb -> clb.withMethodBody("<init>", MethodTypeDesc.of(ConstantDescs.CD_void), ClassFile.ACC_PUBLIC,
                cob -> cob.aload(0).invokespecial(ConstantDescs.CD_Object, "<init>", MethodTypeDesc.of(ConstantDescs.CD_void)).return_()));
    }
}
