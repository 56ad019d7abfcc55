package io.loomlet.legacyit;

import io.loomlet.legacyit.programs.BoundedQueuePipeline;
import io.loomlet.legacyit.programs.CountDownLatchWorkers;
import io.loomlet.legacyit.programs.HttpClient5Pool;
import io.loomlet.legacyit.programs.InheritableLocals;
import io.loomlet.legacyit.programs.InterruptWorkers;
import io.loomlet.legacyit.programs.JdkHttpClientSend;
import io.loomlet.legacyit.programs.JdkHttpServerLoad;
import io.loomlet.legacyit.programs.JettyBlockingServlet;
import io.loomlet.legacyit.programs.PgConnectionPerThread;
import io.loomlet.legacyit.programs.PgHikariPool;
import io.loomlet.legacyit.programs.PgLoginTimeout;
import io.loomlet.legacyit.programs.PgSharedConnection;
import io.loomlet.legacyit.programs.SynchronizedClient;
import io.loomlet.legacyit.programs.WaitNotifyMailbox;

/** The unmodified legacy programs of issue #12 item 5; {@code postgres} ones get a JDBC URL as argument. */
enum LegacyCase {
    PG_CONNECTION_PER_THREAD(PgConnectionPerThread.class, true, "pgjdbc, 50 threads, a connection each"),
    PG_LOGIN_TIMEOUT(PgLoginTimeout.class, true, "pgjdbc loginTimeout, 20 logins + 5 to a silent server"),
    PG_SHARED_CONNECTION(PgSharedConnection.class, true, "pgjdbc, one Connection shared by 40 threads"),
    PG_HIKARI_POOL(PgHikariPool.class, true, "HikariCP pool of 20, 200 threads"),
    HTTPCLIENT5_POOL(HttpClient5Pool.class, false, "HttpClient 5 default pool (5/route), 100 threads"),
    JDK_HTTPCLIENT_SEND(JdkHttpClientSend.class, false, "java.net.http send, 200 threads"),
    JDK_HTTPSERVER_LOAD(JdkHttpServerLoad.class, false, "JDK HttpServer + cached pool, 200 clients"),
    JETTY_BLOCKING_SERVLET(JettyBlockingServlet.class, false, "Jetty 12 blocking servlet, 200 clients"),
    COUNTDOWNLATCH(CountDownLatchWorkers.class, false, "CountDownLatch, 100 workers"),
    BOUNDED_QUEUE(BoundedQueuePipeline.class, false, "ArrayBlockingQueue(16), 4 producers, 4 consumers"),
    WAIT_NOTIFY(WaitNotifyMailbox.class, false, "wait/notify mailbox ping-pong + gate"),
    INTERRUPT(InterruptWorkers.class, false, "interrupt stops sleep/take/wait workers"),
    SYNCHRONIZED_CLIENT(SynchronizedClient.class, false, "synchronized client methods that block, 20 threads"),
    INHERITABLE_LOCALS(InheritableLocals.class, false, "InheritableThreadLocal, ThreadLocal, currentThread");

    final Class<?> main;
    final boolean needsPostgres;
    final String what;

    LegacyCase(Class<?> main, boolean needsPostgres, String what) {
        this.main = main;
        this.needsPostgres = needsPostgres;
        this.what = what;
    }

    String program() {
        return main.getSimpleName();
    }
}
