package io.loomlet.iopatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The agent's option parsing and which classes it leaves alone: plain unit tests, no agent. */
class AgentTest {

    @Test
    void noOptionsMeansAll() {
        Set<String> all = Set.of("socket", "dns", "sleep");
        assertEquals(all, Agent.parse(null));
        assertEquals(all, Agent.parse(""));
        assertEquals(all, Agent.parse("  "));
        assertEquals(all, Agent.parse("all"));
    }

    @Test
    void partsAreNamedAndThreadIsOptIn() {
        assertEquals(Set.of("socket", "dns", "sleep", "thread"), Agent.parse("all,thread"));
        assertEquals(Set.of("socket"), Agent.parse("socket"));
        assertEquals(List.of("sleep", "dns"), List.copyOf(Agent.parse("SLEEP, dns,")), "in order, any case, blanks ignored");
        assertFalse(Agent.parse("all").contains("thread"));
        assertEquals(Set.of(), Agent.parse("none"), "none: the agent's other work, no part patched");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Agent.parse("none,socket"));
        assertTrue(e.getMessage().contains("'none' patches no part and cannot be combined with [socket]"), e.getMessage());
    }

    @Test
    void unknownOptionNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Agent.parse("sockets,dns"));
        assertTrue(e.getMessage().contains("unknown option 'sockets'"), e.getMessage());
        assertTrue(e.getMessage().contains("known: all, socket, dns, sleep, thread"), e.getMessage());
    }

    @Test
    void loomletsRuntimeIsNeverRewrittenButOtherLoomletCodeIs() {
        for (String runtime : List.of("io/loomlet/Hub", "io/loomlet/sync/Lock", "io/loomlet/net/FiberSocket",
                "io/loomlet/internal/TimerHeap", "io/loomlet/iopatch/Patched", "io/loomlet/iopatch/internal/Rewriter",
                "io/loomlet/iopatch/dns/LoomletResolverProvider")) {
            assertTrue(Agent.LOOMLET_RUNTIME.matcher(runtime).matches(), runtime);
        }
        for (String app : List.of("io/loomlet/examples/legacy/ThreadEatPlay", "io/loomlet/iopatch/programs/SleepProgram",
                "com/example/App")) {
            assertFalse(Agent.LOOMLET_RUNTIME.matcher(app).matches(), app);
        }
    }

    @Test
    void testRunnersAndNamedPackagesAreNotRewritten() {
        assertTrue(Agent.excluded("org/apache/maven/surefire/booter/ForkedBooter"));
        assertTrue(Agent.excluded("org/junit/platform/launcher/core/Launcher"));
        assertFalse(Agent.excluded("org/junit/jupiter/api/Assertions"), "test code and assertions are the user's");
        assertFalse(Agent.excluded("com/example/App"));
        List<String> withExtra = Agent.notRewritten(" com.acme.legacy , org/other");
        assertTrue(withExtra.contains("com/acme/legacy/") && withExtra.contains("org/other/"), withExtra.toString());
    }
}
