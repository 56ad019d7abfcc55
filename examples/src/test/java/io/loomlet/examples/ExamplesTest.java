package io.loomlet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loomlet.Hub;
import io.loomlet.net.StreamServer;
import io.loomlet.testing.ForkedJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every program in examples/ runs here and its output is checked (STYLE: examples are tested). */
class ExamplesTest {

    @AfterEach
    void closeHub() {
        Hub.current().close();
    }

    interface Main {
        void run(String[] args) throws Exception;
    }

    static List<String> run(Main main, String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).lines().toList();
    }

    static double took(List<String> out) {
        Matcher m = Pattern.compile("took ([0-9.]+) s").matcher(String.join("\n", out));
        assertTrue(m.find(), out.toString());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void greenletSwitchPrints1324() throws Exception {
        assertEquals(List.of("1", "3", "2", "4"), run(GreenletSwitch::main));
    }

    @Test
    void greenletEatPlayPassesNamesOnFirstSwitch() throws Exception {
        assertEquals(List.of("egon啦啦啦 eat food 1", "alex飞飞飞 play 1", "egon啦啦啦 eat food 2", "alex飞飞飞 play 2"),
                run(GreenletEatPlay::main));
    }

    @Test
    void chineseOutputIsUtf8WhateverTheLocale() {
        // With no LANG or LC_* the JDK would write stdout in ASCII ("egon??? eat food 1"); the forks,
        // like ./loomlet, pass -Dstdout.encoding=UTF-8.
        ForkedJvm.Result r = ForkedJvm.main(GreenletEatPlay.class).exports()
                .unsetEnv("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE").run();
        assertEquals(0, r.exit(), r.out());
        assertEquals(List.of("egon啦啦啦 eat food 1", "alex飞飞飞 play 1", "egon啦啦啦 eat food 2", "alex飞飞飞 play 2"),
                r.lines());
    }

    @Test
    void geventEatPlayTakesTheLongerSleepNotTheSum() throws Exception {
        List<String> out = run(GeventEatPlay::main, "0.1"); // 0.5 s and 0.6 s
        assertEquals(List.of("egon eat food first", "egon play phone 1", "egon eat food second",
                "egon play phone 2", "主"), out.subList(0, 5));
        double s = took(out);
        assertTrue(s >= 0.6 && s < 1.1, "took " + s + " s; sequential would be 1.1 s");
    }

    @Test
    void asyncioGatherOverlapsTheSleeps() throws Exception {
        List<String> out = run(AsyncioGather::main, "0.1"); // two sleeps of 0.2 s
        assertEquals(List.of("1", "3", "2", "4"), out.subList(0, 4));
        double s = took(out);
        assertTrue(s >= 0.2 && s < 0.4, "took " + s + " s; sequential would be 0.4 s");
    }

    @Test
    void demoServesFiveHundredClientsWithoutErrors() throws Exception {
        List<String> out = run(a -> {
            StressClient.Result r = Demo.run(a);
            System.out.println("RESULT " + r.errors() + " " + r.roundTrips());
        }, "--seconds", "2");
        String all = String.join("\n", out);
        assertTrue(all.contains("clients: 500 fibers"), all);
        assertTrue(all.contains("server accepted 500 connections"), all);
        assertTrue(all.contains("  1 s:"), "a progress line each second:\n" + all);
        assertTrue(all.matches("(?s).*p50 \\d+ us, p99 \\d+ us, max \\d+ us; errors 0.*"), all);
        String[] result = out.get(out.size() - 1).split(" ");
        assertEquals("0", result[1], all);
        assertTrue(Long.parseLong(result[2]) > 1000, all);
    }

    @Test
    void echoServerUpperCasesForPlainBlockingClients() throws Exception {
        EchoServer.Serving serving = EchoServer.onOwnThread("echo-hub", () -> EchoServer.start(0));
        StreamServer server = serving.server();
        Thread t = serving.thread();
        try (Socket c = new Socket("127.0.0.1", server.address().getPort())) {
            c.setSoTimeout(5000);
            c.getOutputStream().write("Thread-1 say hello 0".getBytes());
            assertEquals("THREAD-1 SAY HELLO 0", new String(c.getInputStream().readNBytes(20)));
        }
        StressClient.Result r = StressClient.run(new StressClient.Config("127.0.0.1", server.address().getPort(), 50, 100, 0.5, false));
        assertEquals(0, r.errors(), r.toString());
        assertTrue(r.roundTrips() > 50, r.toString());
        server.stop(Duration.ofSeconds(1));
        t.join(5000);
    }
}
