// Package statefulset runs StatefulSets: pods with stable names
// <set>-<ordinal>, created in order and each waited for (OrderedReady) or
// all at once (Parallel), deleted from the highest ordinal, rolled to a
// new template from the highest ordinal down to the partition, and given
// PersistentVolumeClaims <claim>-<set>-<ordinal> from the claim templates
// before they start. Revisions are ControllerRevisions (package history).
// plan.go decides from a snapshot; sync.go acts.
package statefulset
