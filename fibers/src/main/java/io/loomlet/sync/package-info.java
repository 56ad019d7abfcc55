/**
 * Synchronisation for fibers (gevent's {@code gevent.lock}, {@code gevent.event},
 * {@code gevent.queue}): Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, the queues
 * FiberQueue, LifoQueue and PriorityQueue (over {@link io.loomlet.sync.AbstractFiberQueue}, with
 * shutdown and {@link io.loomlet.sync.QueueShutDown}), and Channel.
 * Each parks only the calling fiber, first come first served; what a waiter was handed (a permit,
 * an item) is passed on if it is killed or times out before it runs.
 *
 * <p>Event, Semaphore, BoundedSemaphore, Lock, RLock and Condition are thread-safe (as gevent's since 21):
 * fibers of any hub, a hub's virtual threads and plain threads may share them, and a waiter of
 * another hub is woken through that hub's inbox ({@link io.loomlet.SharedParkingLot}). The queues
 * and Channel belong to the fibers of one hub ({@link io.loomlet.ParkingLot}); across threads use
 * the thread-safe ones, {@link io.loomlet.AsyncResult}, {@link io.loomlet.Task} or
 * {@link io.loomlet.HubGroup}. Locks and semaphores are held around a block with
 * {@code try (var held = x.hold()) { ... }} ({@link io.loomlet.sync.Held}). Timeouts follow the
 * rule stated in {@link io.loomlet}.
 */
package io.loomlet.sync;
