// Package history keeps the ControllerRevisions of DaemonSets and
// StatefulSets: a revision stores the pod template as the patch
// `kubectl rollout undo` applies ({"spec":{"template":{...,"$patch":"replace"}}}),
// is named <owner>-<hash of that data>, and carries an increasing revision
// number. It also reads a template back out of a revision.
package history
