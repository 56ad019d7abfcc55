package io.loomlet.examples;

import io.loomlet.Fiber;

/**
 * Seed 003's greenlet program: the first switch into each fiber passes its argument.
 *
 * <pre>
 * def eat(name):
 *     print('%s eat food 1' %name); gr2.switch('alex飞飞飞')
 *     print('%s eat food 2' %name); gr2.switch()
 * def play_phone(name):
 *     print('%s play 1' %name); gr1.switch()
 *     print('%s play 2' %name)
 * gr1=greenlet(eat); gr2=greenlet(play_phone)
 * gr1.switch(name='egon啦啦啦')
 * </pre>
 *
 * The blog prints "egon啦啦啦" on every line, but greenlet gives play_phone the value of the switch
 * that starts it, 'alex飞飞飞' — which is what this program (and real greenlet) prints.
 */
public final class GreenletEatPlay {
    static Fiber gr1;
    static Fiber gr2;

    public static void main(String[] args) {
        gr1 = new Fiber("eat", name -> {
            System.out.println(name + " eat food 1");
            gr2.switchTo("alex飞飞飞");
            System.out.println(name + " eat food 2");
            gr2.switchTo();
            return null;
        });
        gr2 = new Fiber("play_phone", name -> {
            System.out.println(name + " play 1");
            gr1.switchTo();
            System.out.println(name + " play 2");
            return null;
        });
        gr1.switchTo("egon啦啦啦");
    }
}
