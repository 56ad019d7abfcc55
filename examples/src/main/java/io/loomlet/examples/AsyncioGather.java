package io.loomlet.examples;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.util.List;

/**
 * Seed 002's asyncio program, tasks and gather: two coroutines sleep at once on one thread, as
 * plain methods on fibers. The program:
 *
 * <pre>
 * async def func1():
 *     print(1); await asyncio.sleep(2); print(2)
 * async def func2():
 *     print(3); await asyncio.sleep(2); print(4)
 * async def main():
 *     tasks = [asyncio.create_task(func1()), asyncio.create_task(func2())]
 *     await asyncio.gather(*tasks)
 * asyncio.run(main())
 * </pre>
 *
 * Prints 1 3, then after two seconds (not four) 2 4. No async/await colouring: func1 is a plain
 * method and {@code Fibers.sleep} parks only its fiber. An optional argument scales the seconds.
 */
public final class AsyncioGather {
    public static void main(String[] args) {
        double second = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        long sleep = (long) (2000 * second);
        long start = System.nanoTime();
        Task<Void> t1 = Fibers.spawn(() -> {
            System.out.println(1);
            Fibers.sleep(sleep);
            System.out.println(2);
        });
        Task<Void> t2 = Fibers.spawn(() -> {
            System.out.println(3);
            Fibers.sleep(sleep);
            System.out.println(4);
        });
        Fibers.joinAll(List.of(t1, t2), null, true); // gather: raise the first failure
        System.out.printf("took %.2f s%n", (System.nanoTime() - start) / 1e9);
    }
}
