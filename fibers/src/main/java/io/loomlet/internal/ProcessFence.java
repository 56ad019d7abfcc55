package io.loomlet.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * A full memory fence on every running thread of this process, paid for by the caller alone: Linux's
 * {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)} (the kernel interrupts each CPU that runs one
 * of our threads and has it execute a barrier; a thread that is not running passed one when it was
 * switched out). With it, a thread that writes a flag and then reads another may skip the fence
 * between the two, as long as every thread that needs the order calls {@link #run()} first: the
 * "asymmetric Dekker" idiom (HotSpot's {@code -XX:+UseSystemMemoryBarrier}, Folly's
 * {@code asymmetricHeavyBarrier}, liburcu). {@code io.loomlet.sync.Biased} is built on it.
 *
 * <p>Called through the Foreign Function API, so it needs native access
 * ({@code --enable-native-access=ALL-UNNAMED}); without it, on a kernel without the command (before
 * 4.14), on another OS or architecture, with a JIT whose ordering the biased primitives do not rely
 * on (a JVMCI compiler such as Graal, OpenJ9), or with {@code -Dloomlet.biasedPrimitives=false}, it is
 * simply not {@linkplain #AVAILABLE available} (nothing is printed: the primitives then take their
 * thread-safe path always). The check of native access comes first, so that no "restricted method"
 * warning is ever printed for trying.
 */
public final class ProcessFence {
    /** Whether {@link #run()} may be called: see the class documentation. */
    public static final boolean AVAILABLE;
    /** Why not, when not {@link #AVAILABLE}; null when it is. */
    public static final String WHY_NOT;

    private static final long MEMBARRIER_CMD_QUERY = 0;
    private static final long MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final long MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;
    /** errno values worth another try: the kernel could not allocate its CPU mask, or a signal came. */
    private static final int ENOMEM = 12;
    private static final int EINTR = 4;
    /** Tries of a failing fence, 1 ms apart, before it gives up. */
    private static final int TRIES = 100;
    private static final MethodHandle SYSCALL;
    private static final long SYS_MEMBARRIER;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static {
        MethodHandle handle = null;
        long number = sysMembarrier();
        String why = null;
        try {
            if (!Boolean.parseBoolean(System.getProperty("loomlet.biasedPrimitives", "true"))) {
                why = "switched off (-Dloomlet.biasedPrimitives=false)";
            } else if (ModuleLayer.boot().findModule("jdk.internal.vm.ci").isPresent()
                    || System.getProperty("java.vendor.version", "").contains("GraalVM")
                    || System.getProperty("java.vm.name", "").contains("OpenJ9")) {
                // JVMCI on (-XX:+EnableJVMCI, which a JVMCI compiler needs) resolves its module; the JVM hides
                // its own property for it from Java code
                // Biased relies on HotSpot's C1/C2 keeping an ordered store and a following ordered load
                // in program order; other compilers may legally swap them, which no fence can repair.
                why = "not on HotSpot's own compilers (" + System.getProperty("java.vm.name") + ")";
            } else if (number < 0) {
                why = "no membarrier on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
            } else if (!ProcessFence.class.getModule().isNativeAccessEnabled()) {
                why = "native access not enabled (--enable-native-access=ALL-UNNAMED)";
            } else {
                Linker linker = Linker.nativeLinker();
                MemorySegment syscall = linker.defaultLookup().find("syscall").orElse(null);
                if (syscall == null) {
                    why = "no syscall() in the C library";
                } else {
                    // long syscall(long number, ...), which reads its variadic arguments as longs:
                    // membarrier(int cmd, unsigned flags, int cpu_id) -> 0 or -1 with errno
                    MethodHandle h = linker.downcallHandle(syscall,
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                    ValueLayout.JAVA_LONG),
                            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment state = arena.allocate(CALL_STATE);
                        long commands = (long) h.invokeExact(state, number, MEMBARRIER_CMD_QUERY, 0L);
                        if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
                            why = "the kernel has no membarrier(PRIVATE_EXPEDITED) (" + commands + ")";
                        } else if ((long) h.invokeExact(state, number, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0L) != 0) {
                            why = "membarrier registration refused (errno " + (int) ERRNO.get(state, 0L) + ")";
                        } else {
                            handle = h;
                        }
                    }
                }
            }
        } catch (Throwable t) {
            // a seccomp filter, a small runtime without the FFM linker, ...: the primitives stay thread-safe
            why = "membarrier unusable: " + t;
            handle = null;
        }
        SYSCALL = handle;
        SYS_MEMBARRIER = number;
        AVAILABLE = handle != null;
        WHY_NOT = AVAILABLE ? null : why;
    }

    private ProcessFence() {
    }

    /** The syscall's number on this platform, or -1 where there is none we know. */
    private static long sysMembarrier() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return -1;
        }
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> 324;
            case "aarch64" -> 283;
            case "riscv64" -> 283;
            default -> -1;
        };
    }

    /**
     * Runs a full fence on every running thread of the process before it returns: each thread's
     * stores made before that point are visible to the caller afterwards, and its loads after that
     * point see the caller's stores made before the call. Costs a system call and an interrupt per
     * CPU running one of our threads (microseconds): for rare events only. A fence the kernel could
     * not run for want of memory (newer kernels allocate a CPU mask) is tried again, 1 ms apart, up
     * to 100 times.
     *
     * @throws IllegalStateException if not {@link #AVAILABLE}
     * @throws InternalError if the kernel refused the fence and went on refusing it
     */
    public static void run() {
        if (SYSCALL == null) {
            throw new IllegalStateException("ProcessFence unavailable: " + WHY_NOT);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int errno = 0;
            for (int i = 0; i < TRIES; i++) {
                long r;
                try {
                    r = (long) SYSCALL.invokeExact(state, SYS_MEMBARRIER, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0L);
                } catch (RuntimeException | Error e) {
                    throw e; // a StackOverflowError stays one: callers (and tests) tell it from a failed fence
                } catch (Throwable t) {
                    throw new InternalError("membarrier failed", t);
                }
                if (r == 0) {
                    return;
                }
                errno = (int) ERRNO.get(state, 0L);
                if (errno != ENOMEM && errno != EINTR) {
                    break;
                }
                // 1 ms, whatever interrupts say (a park returns at once while the thread is interrupted); a
                // revoking virtual thread must not unmount (see sync.Biased), so it waits on its carrier
                boolean virtual = Thread.currentThread().isVirtual();
                long end = System.nanoTime() + 1_000_000;
                for (long left; (left = end - System.nanoTime()) > 0;) {
                    if (virtual) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.parkNanos(left);
                    }
                }
            }
            // Registered at start-up, so the kernel does not refuse it for any other reason; if it does,
            // the order the biased primitives rely on is not there: the caller must not go on as if it were.
            throw new InternalError("membarrier(PRIVATE_EXPEDITED) failed, errno " + errno);
        }
    }
}
