package com.example.consumer;

import io.loomlet.AsyncResult;
import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A small program of a project that uses Loomlet (the README's "Use it in your own project"):
 * fibers that nap at once on one thread, and a virtual thread that the same thread's hub schedules.
 */
public final class Greetings {
    private Greetings() {}

    /**
     * One fiber per name; each naps, then greets. They all run on the caller's thread, at once: the
     * whole call takes about one nap.
     *
     * @param names who to greet
     * @param nap how long each fiber sleeps first
     * @return the greetings, in the order of {@code names}
     */
    public static List<String> greetAll(List<String> names, Duration nap) {
        List<Task<String>> tasks = new ArrayList<>();
        for (String name : names) {
            tasks.add(Fibers.spawn(() -> {
                Fibers.sleep(nap);
                return "hello " + name + " from " + Thread.currentThread().getName();
            }));
        }
        Fibers.joinAll(tasks, null, true);
        return tasks.stream().map(Task::get).toList();
    }

    /**
     * Runs {@code body} in a virtual thread that this thread's hub schedules, and waits for it through
     * Loomlet (so the hub runs meanwhile). Needs {@code --add-opens=java.base/java.lang=ALL-UNNAMED}.
     *
     * @param <T> the type of the result
     * @param body what the virtual thread runs
     * @return what {@code body} returned
     */
    public static <T> T inHubVirtualThread(Callable<T> body) {
        AsyncResult<T> done = new AsyncResult<>();
        Hub.current().virtualThreadBuilder().name("greeter").start(() -> {
            try {
                done.set(body.call());
            } catch (Throwable t) {
                done.setException(t);
            }
        });
        return done.get();
    }

    /**
     * Greets three names with 500 ms naps and prints how long it took.
     *
     * @param args not used
     */
    public static void main(String[] args) {
        long start = System.nanoTime();
        greetAll(List.of("egon", "alex", "wupeiqi"), Duration.ofMillis(500)).forEach(System.out::println);
        System.out.printf("three 500 ms naps took %d ms on one thread%n", (System.nanoTime() - start) / 1_000_000);
    }
}
