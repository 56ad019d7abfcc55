package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** greenlet's semantics, case by case. */
class FiberTest extends HubTestBase {

    @Test
    void switchesInterleaveTwoStacks() {
        Trace t = new Trace();
        Fiber[] gr = new Fiber[2];
        gr[0] = new Fiber(v -> {
            t.add(1);
            gr[1].switchTo();
            t.add(2);
            gr[1].switchTo();
            return null;
        });
        gr[1] = new Fiber(v -> {
            t.add(3);
            gr[0].switchTo();
            t.add(4);
            return null;
        });
        gr[0].switchTo();
        assertEquals("1 3 2 4", t.toString());
        assertTrue(gr[1].isDead());
        assertFalse(gr[0].isDead(), "gr1 is still suspended in its second switch, as in greenlet");
    }

    @Test
    void valuesTravelBothWays() {
        Fiber echo = new Fiber(first -> {
            Object v = first;
            for (int i = 0; i < 3; i++) {
                v = Fiber.root().switchTo("got " + v);
            }
            return "done " + v;
        });
        assertEquals("got a", echo.switchTo("a"));
        assertEquals("got b", echo.switchTo("b"));
        assertEquals("got c", echo.switchTo("c"));
        assertEquals("done d", echo.switchTo("d"));
        assertTrue(echo.isDead());
    }

    @Test
    void returnValueGoesToParentNotToLastSwitcher() {
        Fiber parent = new Fiber(v -> {
            Fiber child = new Fiber(x -> "child result"); // parent: the fiber creating it
            return "parent saw " + child.switchTo();
        });
        assertEquals("parent saw child result", parent.switchTo());
    }

    @Test
    void exceptionIsRaisedInParent() {
        Fiber f = new Fiber(v -> {
            throw new IllegalArgumentException("boom");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f::switchTo);
        assertEquals("boom", e.getMessage());
        assertTrue(f.isDead());
    }

    @Test
    void fiberExitEndsQuietlyAndParentGetsIt() {
        Fiber f = new Fiber(v -> {
            throw new FiberExit("bye");
        });
        Object r = f.switchTo();
        assertInstanceOf(FiberExit.class, r);
        assertTrue(f.isDead());
    }

    @Test
    void switchToDeadFiberGoesToItsParent() {
        AtomicReference<Object> got = new AtomicReference<>();
        Fiber[] dead = new Fiber[1];
        Fiber parent = new Fiber(v -> {
            dead[0] = new Fiber(x -> "first");
            assertEquals("first", dead[0].switchTo());
            got.set(Fiber.root().switchTo("parent suspended"));
            return null;
        });
        assertEquals("parent suspended", parent.switchTo());
        // dead[0]'s parent is `parent`: a switch to dead[0] lands there
        Fiber other = new Fiber(v -> dead[0].switchTo("via dead child"));
        other.setParent(Fiber.root());
        other.switchTo();
        assertEquals("via dead child", got.get());
    }

    @Test
    void throwIntoRaisesAtSuspensionPoint() {
        Trace t = new Trace();
        Fiber f = new Fiber(v -> {
            try {
                Fiber.root().switchTo();
            } catch (IllegalStateException e) {
                t.add("caught " + e.getMessage());
                return "recovered";
            }
            return "not reached";
        });
        f.switchTo();
        assertEquals("recovered", f.throwInto(new IllegalStateException("x")));
        assertEquals("caught x", t.toString());
    }

    @Test
    void throwIntoUnstartedFiberKillsItWithoutRunning() {
        Trace t = new Trace();
        Fiber f = new Fiber(v -> {
            t.add("ran");
            return null;
        });
        Object r = f.throwInto(new FiberExit());
        assertInstanceOf(FiberExit.class, r);
        assertTrue(f.isDead());
        assertFalse(f.isStarted());
        Fiber g = new Fiber(v -> null);
        assertThrows(ArithmeticException.class, () -> g.throwInto(new ArithmeticException()));
        assertEquals("", t.toString());
    }

    @Test
    void rootAndCurrent() {
        Fiber root = Fiber.root();
        assertTrue(root.isRoot());
        assertSame(root, Fiber.current());
        AtomicReference<Fiber> inside = new AtomicReference<>();
        Fiber f = new Fiber(v -> {
            inside.set(Fiber.current());
            return null;
        });
        f.switchTo();
        assertSame(f, inside.get());
        assertSame(root, f.parent());
        assertSame(root, Fiber.current());
    }

    @Test
    void switchToSelfReturnsValue() {
        Fiber f = new Fiber(v -> Fiber.current().switchTo("me"));
        assertEquals("me", f.switchTo());
    }

    @Test
    void switchAcrossThreadsIsRefused() throws Exception {
        Fiber mine = new Fiber(v -> null);
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                mine.switchTo();
            } catch (Throwable e) {
                err.set(e);
            }
        }, "intruder");
        t.start();
        t.join();
        assertInstanceOf(IllegalStateException.class, err.get());
        assertTrue(err.get().getMessage().contains("only runs on the thread that made it"), err.get().getMessage());
        assertFalse(mine.isStarted(), "the refused switch changed nothing");
        assertNull(mine.switchTo());
    }

    @Test
    void parentCycleAndForeignParentRefused() throws Exception {
        Fiber a = new Fiber(v -> null);
        Fiber b = new Fiber("b", v -> null, a);
        assertThrows(IllegalArgumentException.class, () -> a.setParent(b));
        AtomicReference<Fiber> foreign = new AtomicReference<>();
        Thread t = new Thread(() -> foreign.set(new Fiber(v -> null)));
        t.start();
        t.join();
        assertThrows(IllegalStateException.class, () -> a.setParent(foreign.get()));
    }

    @Test
    void switchIntoParkedFiberIsRefused() {
        Task<Void> sleeper = Fibers.spawn(() -> Fibers.sleep(Duration.ofSeconds(5)));
        Fibers.sleep(Duration.ZERO); // let it start and park
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sleeper.fiber().switchTo());
        assertTrue(e.getMessage().contains("sleep"), e.getMessage());
        sleeper.kill();
        assertTrue(sleeper.isKilled());
    }

    @Test
    void fiberCanSleepUnderAManualSwitch() {
        Trace t = new Trace();
        Fibers.spawn(() -> t.add("other ran"));
        Fiber f = new Fiber(v -> {
            Fibers.sleep(Duration.ofMillis(20)); // parks; the hub runs the spawned task meanwhile
            t.add("woke");
            return "ok";
        });
        assertEquals("ok", f.switchTo());
        assertEquals("other ran woke", t.toString());
    }

    @Test
    void tenThousandFibersNestedParents() {
        // deep parent chains: each returns into its parent
        Fiber[] chain = new Fiber[1];
        int[] depth = {0};
        Fiber.Body body = new Fiber.Body() {
            @Override
            public Object run(Object v) {
                if (depth[0]++ < 10_000) {
                    return (Integer) new Fiber(this).switchTo() + 1;
                }
                return 0;
            }
        };
        chain[0] = new Fiber(body);
        assertEquals(10_000, chain[0].switchTo());
    }
}
