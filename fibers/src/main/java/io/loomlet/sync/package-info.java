/**
 * Synchronisation for fibers (gevent's {@code gevent.lock}, {@code gevent.event},
 * {@code gevent.queue}): Lock, RLock, Semaphore, BoundedSemaphore, Event, the queues FiberQueue,
 * LifoQueue and PriorityQueue (over {@link io.loomlet.sync.AbstractFiberQueue}, with shutdown and
 * {@link io.loomlet.sync.QueueShutDown}), and Channel.
 * Each parks only the calling fiber and waits on {@link io.loomlet.ParkingLot}s, first come first
 * served; what a waiter was handed (a permit, an item) is passed on if it is killed or times out
 * before it runs. They belong to the fibers of one hub; across threads use
 * {@link io.loomlet.AsyncResult}, {@link io.loomlet.Task} or {@link io.loomlet.HubGroup}. Timeouts
 * follow the rule stated in {@link io.loomlet}.
 */
package io.loomlet.sync;
