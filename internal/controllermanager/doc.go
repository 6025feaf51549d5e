// Package controllermanager runs skiff's controllers as one leader-elected
// unit, the way kube-controller-manager does: it holds the Lease
// kube-system/kube-controller-manager, builds every controller listed in
// controllers.go against shared informers, starts the informers once all
// handlers are registered, waits for the caches, then runs each controller
// in its own goroutine until the context ends or leadership is lost.
package controllermanager
