/**
 * Loomlet: greenlet and gevent for Java. Stackful fibers that switch explicitly, a hub (one event
 * loop per thread) that schedules them, and gevent's toolkit on top.
 *
 * <h2>Layers</h2>
 * Each imports only those below it:
 * <ol>
 *   <li><b>The kernel</b>: {@link io.loomlet.Fiber} (greenlet's switch), {@link io.loomlet.Hub} (the
 *       loop's API and lifecycle, asyncio's names), and the package-private machinery beside them:
 *       {@code Strand} (the fiber's state machine, which {@code Fiber} extends), {@code Scheduler}
 *       (the trampoline and the loop's phases), {@code Reactor} (the Selector), {@code Inbox} (what
 *       other threads send), {@code FiberList}, {@code TimerHeap}.</li>
 *   <li><b>Low-level API</b>, public but not for daily use (trio's {@code lowlevel}: "useful for
 *       extending", with no guard rails): {@link io.loomlet.Park}, the one way to block, and
 *       {@link io.loomlet.ParkingLot} and {@link io.loomlet.SharedParkingLot}, the wait lists
 *       primitives sit on (confined to a hub, and shared between threads). Write new primitives
 *       with them; use the rest of the API for everything else.</li>
 *   <li><b>The gevent layer</b>: {@link io.loomlet.Fibers} (spawn, newTask, sleep, joinAll, iwait,
 *       wait, withTimeout), {@link io.loomlet.Task}, {@link io.loomlet.AsyncResult},
 *       {@link io.loomlet.Waitable} and {@link io.loomlet.WaitIterator},
 *       {@link io.loomlet.Timeout}, {@link io.loomlet.Group} and {@link io.loomlet.Pool},
 *       {@link io.loomlet.FiberLocal}, {@link io.loomlet.ThreadPool}, {@link io.loomlet.HubGroup}.</li>
 *   <li>{@code io.loomlet.sync} (locks, semaphores, events, queues, channels) and
 *       {@code io.loomlet.net} (cooperative sockets, StreamServer).</li>
 *   <li>Diagnostics: {@link io.loomlet.Watchdog} and {@link io.loomlet.Fibers#dump()}, which watch
 *       parks through a hook the kernel calls, never the other way round.</li>
 * </ol>
 * {@code io.loomlet.internal} is not API.
 *
 * <h2>Timeouts: one rule everywhere</h2>
 * Every call that takes a {@link java.time.Duration} timeout reads it the same way:
 * <ul>
 *   <li>{@code null}: no limit;</li>
 *   <li>{@link java.time.Duration#ZERO}: do not wait (poll once; other fibers may run once);</li>
 *   <li>negative: refused with {@link java.lang.IllegalArgumentException} naming the call;</li>
 *   <li>longer than about 146 years ({@code Duration.ofNanos(Long.MAX_VALUE)},
 *       {@code Long.MAX_VALUE} milliseconds): no limit.</li>
 * </ul>
 * The same holds for socket timeouts set on {@code FiberSocket}. {@code java.net.Socket}'s own
 * convention (int milliseconds, 0 meaning no limit) is converted where a {@code Socket} meets
 * Loomlet ({@code FiberSocketImpl}).
 *
 * <h2>Threads</h2>
 * A hub, its fibers and the primitives they use belong to one thread. The calls meant for other
 * threads say so: {@link io.loomlet.Hub#callSoonThreadsafe}, {@link io.loomlet.Hub#stop},
 * {@link io.loomlet.Task}'s join, get and kill, {@link io.loomlet.AsyncResult}'s set,
 * {@link io.loomlet.Park#unparkFromAnyThread}, {@link io.loomlet.HubGroup}. Other calls made from a
 * foreign thread throw {@link java.lang.IllegalStateException}.
 */
package io.loomlet;
