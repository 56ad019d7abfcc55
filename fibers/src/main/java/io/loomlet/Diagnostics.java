package io.loomlet;

import io.loomlet.internal.Errors;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Fiber dumps. A continuation may only be walked by the thread that runs it, so each hub dumps itself. */
final class Diagnostics {
    private Diagnostics() {
    }

    static String dumpAll() {
        StringBuilder sb = new StringBuilder();
        for (Hub h : Hub.all()) {
            if (h.isClosed()) {
                continue;
            }
            if (h.isCurrentThread()) {
                sb.append(dumpHub(h));
                continue;
            }
            CompletableFuture<String> f = new CompletableFuture<>();
            if (!h.sendFromAnyThread(() -> f.complete(dumpHub(h)))) {
                continue;
            }
            try {
                sb.append(f.get(1, TimeUnit.SECONDS));
            } catch (Exception e) {
                // The hub is busy (a fiber holds its thread): its suspended fibers cannot be walked safely.
                sb.append("hub of thread ").append(h.thread.getName())
                        .append(": busy, did not answer within 1 s; its thread's stack:\n");
                appendStack(sb, h.thread.getStackTrace());
            }
        }
        return sb.toString();
    }

    static String dumpHub(Hub h) {
        StringBuilder sb = new StringBuilder();
        List<Fiber> fibers = h.fibers.snapshot();
        sb.append("hub of thread ").append(h.thread.getName()).append(": ").append(fibers.size())
                .append(" live fiber(s), current ").append(h.sched.current == null ? "a virtual thread" : h.sched.current.name()).append('\n');
        for (Fiber f : fibers) {
            sb.append("  ").append(f.name()).append(" [").append(f.stateName()).append(']');
            if (f instanceof Task.TaskFiber) {
                sb.append(" task");
            }
            if (f.blocker() != null) {
                sb.append(" waiting for ").append(Errors.describe(f.blocker()));
            }
            sb.append('\n');
            appendStack(sb, f.stackTrace());
        }
        return sb.toString();
    }

    static void appendStack(StringBuilder sb, StackTraceElement[] st) {
        for (StackTraceElement e : st) {
            sb.append("      at ").append(e).append('\n');
        }
    }
}
