package io.loomlet.iopatch.dns;

import io.loomlet.Fibers;
import io.loomlet.iopatch.IoPatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * Name lookups that park only the calling fiber (JEP 418): shipped in the agent jar and found by the
 * JDK through {@code META-INF/services}. With DNS patched and a fiber calling, the JDK's own resolver
 * runs on Loomlet's thread pool while the hub runs other fibers; otherwise it runs in place, exactly
 * as without this provider.
 */
public final class LoomletResolverProvider extends InetAddressResolverProvider {
    /** For tests: replaces the JDK's resolver (e.g. with a slow one). */
    static volatile InetAddressResolver testDelegate;

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            private InetAddressResolver delegate() {
                InetAddressResolver t = testDelegate;
                return t != null ? t : builtin;
            }

            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (!cooperative()) {
                    return delegate().lookupByName(host, policy);
                }
                try {
                    // collect on the pool thread: the stream may be lazy
                    return Fibers.runInThread(() -> delegate().lookupByName(host, policy).toList()).stream();
                } catch (CompletionException e) {
                    throw unwrap(e);
                }
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                if (!cooperative()) {
                    return delegate().lookupByAddress(addr);
                }
                try {
                    return Fibers.runInThread(() -> delegate().lookupByAddress(addr));
                } catch (CompletionException e) {
                    throw unwrap(e);
                }
            }
        };
    }

    private static boolean cooperative() {
        return IoPatch.isPatched(IoPatch.Part.DNS) && Fibers.isCooperative();
    }

    private static UnknownHostException unwrap(CompletionException e) {
        if (e.getCause() instanceof UnknownHostException u) {
            return u;
        }
        UnknownHostException u = new UnknownHostException(String.valueOf(e.getCause()));
        u.initCause(e.getCause());
        return u;
    }

    @Override
    public String name() {
        return "loomlet";
    }
}
