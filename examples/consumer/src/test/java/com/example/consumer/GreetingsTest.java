package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Fibers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs with the flags of the README: the export, and java.lang open for Hub.virtualThreadBuilder(). */
class GreetingsTest {

    @Test
    void fibersNapAtOnceOnTheCallersThread() {
        String me = Thread.currentThread().getName();
        long start = System.nanoTime();
        List<String> lines = Greetings.greetAll(List.of("egon", "alex", "wupeiqi"), Duration.ofMillis(300));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of("hello egon from " + me, "hello alex from " + me, "hello wupeiqi from " + me), lines);
        assertTrue(ms < 800, "three 300 ms naps overlapped: " + ms + " ms");
    }

    @Test
    void aVirtualThreadOfTheHubRunsOnTheHubsThread() {
        Thread hubThread = Thread.currentThread();
        String seen = Greetings.inHubVirtualThread(() -> {
            Thread.sleep(50); // the JDK's sleep parks only this virtual thread
            return Thread.currentThread().getName() + " virtual=" + Thread.currentThread().isVirtual();
        });
        assertEquals("greeter virtual=true", seen);
        assertEquals(hubThread, Thread.currentThread());
        // a fiber still runs on this thread afterwards
        assertEquals(hubThread.getName(), Fibers.spawn(() -> Thread.currentThread().getName()).get());
    }
}
