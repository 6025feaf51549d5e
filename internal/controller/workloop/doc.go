// Package workloop is the shape every skiff controller's loop has: informer
// handlers put namespace/name keys on a rate-limited queue, workers take
// them one at a time and call the controller's sync, and a sync that fails
// is retried with back-off. A sync may also ask to see its key again after
// a while (NewAfter), for schedules and deadlines. Options set the queue's
// clock and back-off. It owns nothing else.
package workloop
