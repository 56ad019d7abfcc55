package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.testing.Switches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: {@code link} callbacks run in a fiber of their own and may block (gevent's {@code link},
 * a {@code SpawnedLink}); {@code rawlink} callbacks run in the hub and must not (gevent's
 * {@code rawlink}). Waiters are woken before any link callback runs.
 */
class LinkTest extends HubTestBase {

    @Test
    void aLinkCallbackMayBlockAndRunsAfterTheWaitersWereWoken() {
        for (boolean task : new boolean[] {false, true}) {
            Trace trace = new Trace();
            AsyncResult<String> result = new AsyncResult<>();
            Task<String> t = Fibers.spawn(() -> {
                Fibers.sleep(5);
                return "task";
            });
            AtomicReference<Throwable> linkFailed = new AtomicReference<>();
            AsyncResult<Fiber> ranIn = new AsyncResult<>();
            Consumer<Awaitable<?>> callback = a -> {
                trace.add("link start " + a.value());
                ranIn.set(Fiber.current());
                try {
                    // blocks twice: a sleep and a join; the ticker proves the hub ran others meanwhile
                    Switches.assertOthersRan(() -> {
                        Fibers.sleep(5);
                        Fibers.spawn(() -> Fibers.sleep(2)).join();
                    });
                } catch (Throwable e) {
                    linkFailed.set(e);
                }
                trace.add("link end");
            };
            // linked before anybody waits: the waiter still runs first
            if (task) {
                t.link(callback::accept);
            } else {
                result.link(callback::accept);
            }
            Task<Void> waiter = Fibers.spawn(() -> {
                if (task) {
                    t.join();
                } else {
                    result.get();
                }
                trace.add("waiter woke");
            });
            Fibers.sleep(Duration.ZERO); // the waiter parks
            if (!task) {
                result.set("result");
            }
            waiter.join();
            Fiber linkFiber = ranIn.get(Duration.ofSeconds(5));
            assertNotSame(hub.root(), linkFiber, "the callback ran in a fiber of its own");
            assertTrue(linkFiber.name().startsWith("link of "), linkFiber.name());
            while (!trace.toString().endsWith("link end")) {
                Fibers.sleep(1);
            }
            assertEquals("waiter woke link start " + (task ? "task" : "result") + " link end", trace.toString());
            assertNull(linkFailed.get(), () -> "the callback's blocking calls: " + linkFailed.get());
            assertTrue(reported.isEmpty(), () -> "nothing reported: " + reported);
        }
    }

    @Test
    void aLinkCallbackThatThrowsIsReportedNamingItsSource() {
        AsyncResult<String> r = new AsyncResult<>();
        r.link(x -> {
            throw new IllegalArgumentException("callback bug");
        });
        r.set("v");
        Fibers.sleep(Duration.ZERO);
        Fibers.sleep(Duration.ZERO);
        assertEquals(1, reported.size(), () -> "reported: " + reported);
        assertTrue(reported.get(0).contains("link callback of AsyncResult"), reported.get(0));
        assertInstanceOf(IllegalArgumentException.class, reportedErrors.get(0));
    }

    @Test
    void aRawlinkRunsInTheHubAndARawlinkThatBlocksGetsAClearError() {
        Trace trace = new Trace();
        AsyncResult<String> r = new AsyncResult<>();
        Task<String> t = Fibers.spawn(() -> "t");
        AtomicReference<Fiber> ranIn = new AtomicReference<>();
        r.rawlink(x -> {
            ranIn.set(Fiber.current());
            trace.add("raw " + x.value());
        });
        t.rawlink(x -> Fibers.sleep(1)); // blocks: refused
        r.set("v");
        t.join();
        Fibers.sleep(Duration.ZERO);
        Fibers.sleep(Duration.ZERO);
        assertEquals("raw v", trace.toString());
        assertTrue(ranIn.get().toString().contains("hub"), "a rawlink runs in the hub fiber: " + ranIn.get());
        assertEquals(1, reportedErrors.size(), () -> "reported: " + reported);
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, reportedErrors.get(0));
        assertTrue(e.getMessage().contains("callbacks must not block"), e.getMessage());
    }

    @Test
    void unlinkStopsRawAndSpawnedLinksAndNullIsRefused() {
        Trace trace = new Trace();
        AsyncResult<String> r = new AsyncResult<>();
        Consumer<Object> raw = x -> trace.add("raw");
        Consumer<Object> spawned = x -> trace.add("spawned");
        Consumer<Object> first = x -> {
            trace.add("first");
            r.unlink(spawned); // scheduled already, not started: it does not run
        };
        r.rawlink(first);
        r.rawlink(raw);
        r.link(spawned);
        r.unlink(raw::accept); // callbacks are told apart by identity: this new object removes nothing
        r.set("v");
        Fibers.sleep(Duration.ZERO);
        Fibers.sleep(Duration.ZERO);
        assertEquals("first raw", trace.toString());
        for (Runnable call : List.<Runnable>of(() -> r.rawlink(null), () -> Fibers.spawn(() -> 1).rawlink(null))) {
            NullPointerException e = assertThrows(NullPointerException.class, call::run);
            assertTrue(String.valueOf(e.getMessage()).contains("callback"), e.getMessage());
        }
    }

    @Test
    void aLinkFromAnotherHubRunsInThatHubsFiber() throws Exception {
        Task<String> t = Fibers.spawn(() -> {
            Fibers.sleep(5);
            return "here";
        });
        AsyncResult<String> seen = new AsyncResult<>();
        Thread other = new Thread(() -> {
            t.link(x -> {
                Fibers.sleep(1); // may block: a fiber of this thread's hub
                seen.set(Thread.currentThread().getName() + " " + x.value());
            });
            seen.get(Duration.ofSeconds(5)); // runs this thread's hub until the callback ran
        }, "linker");
        other.start();
        assertEquals("linker here", seen.get(Duration.ofSeconds(5)));
        other.join();
    }
}
