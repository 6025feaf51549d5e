package volumebinding

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

func TestPlanClaim(t *testing.T) {
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	bound := func(c *corev1.PersistentVolumeClaim, volume string) *corev1.PersistentVolumeClaim {
		c.Spec.VolumeName = volume
		c.Status.Phase = corev1.ClaimBound
		return withAnnotations(c, annBindCompleted, "yes", annBoundByController, "yes")
	}
	prebound := func(c *corev1.PersistentVolumeClaim, volume string) *corev1.PersistentVolumeClaim {
		c.Spec.VolumeName = volume
		return c
	}
	c := newPVC("c", "1Gi")
	tests := []struct {
		name  string
		claim *corev1.PersistentVolumeClaim
		view  claimView
		op    claimOp
		phase corev1.PersistentVolumeClaimPhase
		vol   string // bind target
		event string // "Type Reason: message"
		err   bool
	}{
		{name: "binds the best volume", claim: c, view: claimView{volumes: []*corev1.PersistentVolume{newPV("v", "1Gi")}},
			op: claimBind, vol: "v"},
		{name: "no class, no volume", claim: c, op: claimPhase, phase: corev1.ClaimPending,
			event: "Normal FailedBinding: no persistent volumes available for this claim and no storage class is set"},
		{name: "class that does not exist", claim: withClass(newPVC("c", "1Gi"), "x"), op: claimNone,
			event: `Warning ProvisioningFailed: storageclass.storage.k8s.io "x" not found`},
		{name: "class with an in-tree provisioner", claim: withClass(newPVC("c", "1Gi"), "local"),
			view: claimView{class: newClass("local", "kubernetes.io/no-provisioner", storagev1.VolumeBindingImmediate)}, op: claimNone,
			event: "Warning ProvisioningFailed: no volume plugin matched name: kubernetes.io/no-provisioner"},
		{name: "class with an external provisioner", claim: withClass(newPVC("c", "1Gi"), "csi"),
			view: claimView{class: newClass("csi", "csi.example.com", storagev1.VolumeBindingImmediate)}, op: claimProvision,
			event: "Normal ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'csi.example.com' " +
				"or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."},
		{name: "class: a static volume is still preferred", claim: withClass(newPVC("c", "1Gi"), "csi"),
			view: claimView{class: newClass("csi", "csi.example.com", storagev1.VolumeBindingImmediate),
				volumes: []*corev1.PersistentVolume{withClass(newPV("v", "1Gi"), "csi")}}, op: claimBind, vol: "v"},
		{name: "WaitForFirstConsumer without pods", claim: withClass(newPVC("c", "1Gi"), "local"),
			view: claimView{class: newClass("local", "kubernetes.io/no-provisioner", wffc),
				volumes: []*corev1.PersistentVolume{withClass(newPV("v", "1Gi"), "local")}},
			op: claimPhase, phase: corev1.ClaimPending, event: "Normal WaitForFirstConsumer: waiting for first consumer to be created before binding"},
		{name: "WaitForFirstConsumer with unscheduled pods", claim: withClass(newPVC("c", "1Gi"), "local"),
			view: claimView{class: newClass("local", "kubernetes.io/no-provisioner", wffc), unscheduled: []string{"p1", "p2"}},
			op:   claimPhase, phase: corev1.ClaimPending, event: "Normal WaitForPodScheduled: waiting for pods p1,p2 to be scheduled"},
		{name: "WaitForFirstConsumer with a scheduled pod binds on its node", claim: withClass(newPVC("c", "1Gi"), "local"),
			view: claimView{class: newClass("local", "kubernetes.io/no-provisioner", wffc), consumerNode: newNode("n2"),
				volumes: []*corev1.PersistentVolume{
					withNodeAffinity(withClass(newPV("on-n1", "1Gi"), "local"), hostnameIs("n1")),
					withNodeAffinity(withClass(newPV("on-n2", "1Gi"), "local"), hostnameIs("n2"))}},
			op: claimBind, vol: "on-n2"},
		{name: "WaitForFirstConsumer, no volume on the pod's node", claim: withClass(newPVC("c", "1Gi"), "local"),
			view: claimView{class: newClass("local", "kubernetes.io/no-provisioner", wffc), consumerNode: newNode("n2"),
				volumes: []*corev1.PersistentVolume{withNodeAffinity(withClass(newPV("on-n1", "1Gi"), "local"), hostnameIs("n1"))}},
			op: claimPhase, phase: corev1.ClaimPending, event: `Warning FailedBinding: node "n2" didn't find available persistent volumes to bind`},
		{name: "WaitForFirstConsumer with an external provisioner selects the pod's node", claim: withClass(newPVC("c", "1Gi"), "lp"),
			view: claimView{class: newClass("lp", "rancher.io/local-path", wffc), consumerNode: newNode("n2")}, op: claimSelectNode},
		{name: "WaitForFirstConsumer with a selected node is provisioned",
			claim: withAnnotations(withClass(newPVC("c", "1Gi"), "lp"), annSelectedNode, "n2"),
			view:  claimView{class: newClass("lp", "rancher.io/local-path", wffc)}, op: claimProvision,
			event: "Normal ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' " +
				"or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."},
		{name: "pre-bound claim, volume missing", claim: prebound(newPVC("c", "1Gi"), "v"), op: claimPhase, phase: corev1.ClaimPending},
		{name: "pre-bound claim, free volume", claim: prebound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{withPhase(newPV("v", "1Gi"), corev1.VolumePending)}}, op: claimBind, vol: "v"},
		{name: "pre-bound claim, volume too small", claim: prebound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{newPV("v", "1Mi")}}, op: claimPhase, phase: corev1.ClaimPending,
			event: `Warning VolumeMismatch: Cannot bind to requested volume "v": requested PV is too small`},
		{name: "pre-bound claim, volume bound to it", claim: prebound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{claimRefTo(newPV("v", "1Gi"), c, "uid-c")}}, op: claimBind, vol: "v"},
		{name: "pre-bound claim, volume taken", claim: prebound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{claimRefTo(newPV("v", "1Gi"), newPVC("d", "1Gi"), "uid-d")}},
			op:   claimPhase, phase: corev1.ClaimPending, event: `Warning FailedBinding: volume "v" already bound to a different claim.`},
		{name: "controller-bound claim without bind-completed, volume taken",
			claim: withAnnotations(prebound(newPVC("c", "1Gi"), "v"), annBoundByController, "yes"),
			view:  claimView{volumes: []*corev1.PersistentVolume{claimRefTo(newPV("v", "1Gi"), newPVC("d", "1Gi"), "uid-d")}},
			op:    claimNone, event: `Warning FailedBinding: volume "v" already bound to a different claim.`, err: true},
		{name: "bound claim stays bound", claim: bound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{claimRefTo(withPhase(newPV("v", "1Gi"), corev1.VolumeBound), c, "uid-c")}},
			op:   claimBind, vol: "v"},
		{name: "bound claim whose volume lost its claimRef is bound again", claim: bound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{newPV("v", "1Gi")}}, op: claimBind, vol: "v"},
		{name: "bound claim whose volume is gone", claim: bound(newPVC("c", "1Gi"), "v"), op: claimPhase, phase: corev1.ClaimLost,
			event: "Warning ClaimLost: Bound claim has lost its PersistentVolume. Data on the volume is lost!"},
		{name: "bound claim without volumeName", claim: bound(newPVC("c", "1Gi"), ""), op: claimPhase, phase: corev1.ClaimLost,
			event: "Warning ClaimLost: Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"},
		{name: "bound claim whose volume has another claimant", claim: bound(newPVC("c", "1Gi"), "v"),
			view: claimView{volumes: []*corev1.PersistentVolume{claimRefTo(newPV("v", "1Gi"), c, "uid-other")}},
			op:   claimPhase, phase: corev1.ClaimLost,
			event: "Warning ClaimMisbound: Two claims are bound to the same volume, this one is bound incorrectly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planClaim(tt.claim, tt.view)
			if p.op != tt.op || p.phase != tt.phase {
				t.Errorf("op, phase = %v, %q; want %v, %q", p.op, p.phase, tt.op, tt.phase)
			}
			if got := nameOf(p.volume); got != tt.vol {
				t.Errorf("volume = %q, want %q", got, tt.vol)
			}
			if got := eventString(p.event); got != tt.event {
				t.Errorf("event = %q\nwant    %q", got, tt.event)
			}
			if (p.err != nil) != tt.err {
				t.Errorf("err = %v, want error %v", p.err, tt.err)
			}
			if tt.op == claimPhase && tt.phase == corev1.ClaimLost && !p.onPhaseChange {
				t.Error("a Lost event must be recorded only when the phase changes")
			}
		})
	}
}

func TestPlanVolume(t *testing.T) {
	c := newPVC("c", "1Gi")
	boundClaim := newPVC("c", "1Gi")
	boundClaim.Spec.VolumeName = "v"
	elsewhere := newPVC("c", "1Gi")
	elsewhere.Spec.VolumeName = "other"
	block := corev1.PersistentVolumeBlock
	blockClaim := newPVC("c", "1Gi")
	blockClaim.Spec.VolumeMode = &block
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		claim  *corev1.PersistentVolumeClaim
		want   volumePlan
	}{
		{"new volume becomes Available", withPhase(newPV("v", "1Gi"), corev1.VolumePending), nil,
			volumePlan{op: volumePhase, phase: corev1.VolumeAvailable}},
		{"pre-bound by name is Available", claimRefTo(newPV("v", "1Gi"), c, ""), nil,
			volumePlan{op: volumePhase, phase: corev1.VolumeAvailable}},
		{"claim gone", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), nil, volumePlan{op: volumeReclaim}},
		{"claim not yet bound back", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), c, volumePlan{op: volumeSyncClaim}},
		{"claim of the wrong volume mode", claimRefTo(newPV("v", "1Gi"), blockClaim, "uid-c"), blockClaim, volumePlan{op: volumeMismatch}},
		{"bound both ways", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), boundClaim, volumePlan{op: volumePhase, phase: corev1.VolumeBound}},
		{"claim bound elsewhere", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), elsewhere, volumePlan{op: volumeUnbind}},
		{"provisioned volume whose claim went elsewhere is reclaimed", func() *corev1.PersistentVolume {
			v := withAnnotations(claimRefTo(newPV("v", "1Gi"), c, "uid-c"), annDynamicallyProvisioned, "csi.example.com")
			v.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimDelete
			return v
		}(), elsewhere, volumePlan{op: volumeReclaim}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planVolume(tt.volume, tt.claim); got != tt.want {
				t.Errorf("planVolume = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPlanReclaim(t *testing.T) {
	withPolicy := func(v *corev1.PersistentVolume, p corev1.PersistentVolumeReclaimPolicy) *corev1.PersistentVolume {
		v.Spec.PersistentVolumeReclaimPolicy = p
		return v
	}
	nfs := func() *corev1.PersistentVolume {
		v := newPV("v", "1Gi")
		v.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}
		return v
	}
	local := func() *corev1.PersistentVolume {
		v := newPV("v", "1Gi")
		v.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/mnt/disk"}}
		return v
	}
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		op     reclaimOp
		event  string
	}{
		{"Retain", newPV("v", "1Gi"), reclaimNone, ""},
		{"Delete hostPath", withPolicy(newPV("v", "1Gi"), corev1.PersistentVolumeReclaimDelete), reclaimDelete, ""},
		{"Delete local", withPolicy(local(), corev1.PersistentVolumeReclaimDelete), reclaimDelete, ""},
		{"Delete nfs", withPolicy(nfs(), corev1.PersistentVolumeReclaimDelete), reclaimFail,
			`Warning VolumeFailedDelete: error getting deleter volume plugin for volume "v": no deletable volume plugin matched`},
		{"Delete by an external provisioner", withAnnotations(withPolicy(nfs(), corev1.PersistentVolumeReclaimDelete),
			annDynamicallyProvisioned, "nfs.csi.k8s.io"), reclaimNone, ""},
		{"Recycle", withPolicy(newPV("v", "1Gi"), corev1.PersistentVolumeReclaimRecycle), reclaimFail,
			"Warning VolumeFailedRecycle: No recycler plugin found for the volume!"},
		{"unknown policy", withPolicy(newPV("v", "1Gi"), "Shred"), reclaimFail,
			"Warning VolumeUnknownReclaimPolicy: Volume has unrecognized PersistentVolumeReclaimPolicy"},
		{"migrated to CSI", withAnnotations(withPolicy(newPV("v", "1Gi"), corev1.PersistentVolumeReclaimDelete),
			annMigratedTo, "ebs.csi.aws.com"), reclaimNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planReclaim(tt.volume)
			ev := ""
			if p.op == reclaimFail {
				ev = eventString(&p.event)
			}
			if p.op != tt.op || ev != tt.event {
				t.Errorf("planReclaim = %v %q, want %v %q", p.op, ev, tt.op, tt.event)
			}
		})
	}
}

func TestReleased(t *testing.T) {
	c := newPVC("c", "1Gi")
	other := newPVC("c", "1Gi")
	other.UID = "uid-new"
	moved := newPVC("c", "1Gi")
	moved.Spec.VolumeName = "w"
	stays := newPVC("c", "1Gi")
	stays.Spec.VolumeName = "v"
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		claim  *corev1.PersistentVolumeClaim
		want   bool
	}{
		{"no claimRef", newPV("v", "1Gi"), nil, false},
		{"pre-bound by name", claimRefTo(newPV("v", "1Gi"), c, ""), nil, false},
		{"claim gone", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), nil, true},
		{"claim recreated", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), other, true},
		{"claim moved to another volume", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), moved, true},
		{"claim still there", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), stays, false},
		{"claim there, binding unfinished", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), c, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := released(tt.volume, tt.claim); got != tt.want {
				t.Errorf("released = %v, want %v", got, tt.want)
			}
		})
	}
}

func nameOf(v *corev1.PersistentVolume) string {
	if v == nil {
		return ""
	}
	return v.Name
}

func eventString(e *event) string {
	if e == nil {
		return ""
	}
	return e.typ + " " + e.reason + ": " + e.message
}
