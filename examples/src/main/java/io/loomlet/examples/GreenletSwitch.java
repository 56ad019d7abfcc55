package io.loomlet.examples;

import io.loomlet.Fiber;

/**
 * Seed 002's first greenlet program: two fibers switch by hand and print 1 3 2 4. Twin for twin:
 *
 * <pre>
 * from greenlet import greenlet
 * def func1():
 *     print(1); gr2.switch(); print(2); gr2.switch()
 * def func2():
 *     print(3); gr1.switch(); print(4)
 * gr1 = greenlet(func1); gr2 = greenlet(func2)
 * gr1.switch()
 * </pre>
 *
 * Prints 1 3 2 4: one thread, control passed by hand between two stacks.
 */
public final class GreenletSwitch {
    static Fiber gr1;
    static Fiber gr2;

    public static void main(String[] args) {
        gr1 = new Fiber("gr1", v -> {
            System.out.println(1);
            gr2.switchTo();
            System.out.println(2);
            gr2.switchTo();
            return null;
        });
        gr2 = new Fiber("gr2", v -> {
            System.out.println(3);
            gr1.switchTo();
            System.out.println(4);
            return null;
        });
        gr1.switchTo();
    }
}
