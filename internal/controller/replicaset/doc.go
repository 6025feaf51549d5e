// Package replicaset keeps the number of pods of each ReplicaSet and each
// ReplicationController equal to its replicas: it creates pods from the
// template, deletes the least valuable surplus pods first, adopts matching
// orphans, releases pods whose labels stop matching, and reports the
// replica counts in status. One core serves both kinds through a small
// adapter (kinds.go).
package replicaset
