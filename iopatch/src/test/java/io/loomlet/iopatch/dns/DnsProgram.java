package io.loomlet.iopatch.dns;

import io.loomlet.Fibers;
import io.loomlet.Task;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Forked by PatchTest: a lookup that takes 400 ms (a simulated slow DNS server) while another fiber
 * ticks. With DNS patched the ticker runs during the lookup; without, the hub stalls.
 */
public final class DnsProgram {
    public static void main(String[] args) throws Exception {
        LoomletResolverProvider.testDelegate = new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (!host.endsWith(".slow.test")) {
                    throw new UnknownHostException(host);
                }
                // A blocking native resolver, simulated by holding the thread (not Thread.sleep,
                // which the agent would make cooperative): 400 ms on whichever thread resolves.
                long end = System.nanoTime() + 400_000_000L;
                long spins = 0;
                while (System.nanoTime() < end) {
                    spins++;
                }
                if (spins < 0) {
                    throw new AssertionError();
                }
                return Stream.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 7}));
            }

            @Override
            public String lookupByAddress(byte[] addr) {
                return "reverse.slow.test";
            }
        };
        List<String> ticks = new ArrayList<>();
        Task<String> lookup = Fibers.spawn(() -> InetAddress.getByName("db.slow.test").getHostAddress());
        Task<Void> ticker = Fibers.spawn(() -> {
            while (!lookup.isReady()) { // counts only while the lookup is pending
                ticks.add("tick");
                Fibers.sleep(10);
            }
        });
        String addr = lookup.get();
        ticker.join();
        System.out.println("DNS " + addr + " TICKS " + ticks.size());
    }
}
