package flowcontrol

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Defaults v1 gives a limited level and its queues.
const (
	defaultShares           = 30
	defaultHandSize         = 8
	defaultQueues           = 64
	defaultQueueLengthLimit = 50
	maxHandSize             = 128
)

var (
	levelTypes    = []string{string(flowcontrolv1.PriorityLevelEnablementExempt), string(flowcontrolv1.PriorityLevelEnablementLimited)}
	responseTypes = []string{string(flowcontrolv1.LimitResponseTypeQueue), string(flowcontrolv1.LimitResponseTypeReject)}
)

// PriorityLevelStrategy holds the rules of prioritylevelconfigurations.
type PriorityLevelStrategy struct{ resource.Base }

func (PriorityLevelStrategy) Default(obj runtime.Object) {
	spec := &obj.(*flowcontrolv1.PriorityLevelConfiguration).Spec
	if l := spec.Limited; l != nil {
		setInt32(&l.NominalConcurrencyShares, defaultShares)
		setInt32(&l.LendablePercent, 0)
		if q := l.LimitResponse.Queuing; q != nil {
			setZero(&q.HandSize, defaultHandSize)
			setZero(&q.Queues, defaultQueues)
			setZero(&q.QueueLengthLimit, defaultQueueLengthLimit)
		}
	}
	if e := spec.Exempt; e != nil {
		setInt32(&e.NominalConcurrencyShares, 0)
		setInt32(&e.LendablePercent, 0)
	}
}

func setInt32(p **int32, v int32) {
	if *p == nil {
		*p = &v
	}
}

func setZero(p *int32, v int32) {
	if *p == 0 {
		*p = v
	}
}

func (PriorityLevelStrategy) PrepareForCreate(obj runtime.Object) {
	pl := obj.(*flowcontrolv1.PriorityLevelConfiguration)
	pl.Status = flowcontrolv1.PriorityLevelConfigurationStatus{}
	pl.Generation = 1
}

func (PriorityLevelStrategy) PrepareForUpdate(obj, old runtime.Object) {
	pl, prev := obj.(*flowcontrolv1.PriorityLevelConfiguration), old.(*flowcontrolv1.PriorityLevelConfiguration)
	bumpGeneration(&pl.ObjectMeta, prev.ObjectMeta, pl.Spec, prev.Spec)
}

func (PriorityLevelStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*flowcontrolv1.PriorityLevelConfiguration).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	switch spec.Type {
	case flowcontrolv1.PriorityLevelEnablementExempt:
		if spec.Limited != nil {
			errs = append(errs, field.Forbidden(fld.Child("limited"), "must be nil if the type is not Limited"))
		}
	case flowcontrolv1.PriorityLevelEnablementLimited:
		if spec.Limited == nil {
			errs = append(errs, field.Required(fld.Child("limited"), "must not be empty when type is Limited"))
		} else {
			errs = append(errs, validateLimited(spec.Limited, fld.Child("limited"))...)
		}
		if spec.Exempt != nil {
			errs = append(errs, field.Forbidden(fld.Child("exempt"), "must be nil if the type is Limited"))
		}
	default:
		errs = append(errs, field.NotSupported(fld.Child("type"), spec.Type, levelTypes))
	}
	return errs
}

func (s PriorityLevelStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateLimited(l *flowcontrolv1.LimitedPriorityLevelConfiguration, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n := l.NominalConcurrencyShares; n != nil && *n < 0 {
		errs = append(errs, field.Invalid(fld.Child("nominalConcurrencyShares"), *n, "must be a non-negative integer"))
	}
	if p := l.LendablePercent; p != nil && (*p < 0 || *p > 100) {
		errs = append(errs, field.Invalid(fld.Child("lendablePercent"), *p, "must be between 0 and 100, inclusive"))
	}
	if p := l.BorrowingLimitPercent; p != nil && *p < 0 {
		errs = append(errs, field.Invalid(fld.Child("borrowingLimitPercent"), *p, "if specified, must be a non-negative integer"))
	}
	lr := l.LimitResponse
	lp := fld.Child("limitResponse")
	switch lr.Type {
	case flowcontrolv1.LimitResponseTypeReject:
		if lr.Queuing != nil {
			errs = append(errs, field.Forbidden(lp.Child("queuing"), "must be nil if limited.limitResponse.type is not Limited"))
		}
	case flowcontrolv1.LimitResponseTypeQueue:
		if lr.Queuing == nil {
			errs = append(errs, field.Required(lp.Child("queuing"), "must not be empty if limited.limitResponse.type is Limited"))
		} else {
			errs = append(errs, validateQueuing(lr.Queuing, lp.Child("queuing"))...)
		}
	default:
		errs = append(errs, field.NotSupported(lp.Child("type"), lr.Type, responseTypes))
	}
	return errs
}

func validateQueuing(q *flowcontrolv1.QueuingConfiguration, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if q.QueueLengthLimit <= 0 {
		errs = append(errs, field.Invalid(fld.Child("queueLengthLimit"), q.QueueLengthLimit, "must be positive"))
	}
	if q.Queues <= 0 {
		errs = append(errs, field.Invalid(fld.Child("queues"), q.Queues, "must be positive"))
	}
	switch {
	case q.HandSize <= 0:
		errs = append(errs, field.Invalid(fld.Child("handSize"), q.HandSize, "must be positive"))
	case q.HandSize > q.Queues:
		errs = append(errs, field.Invalid(fld.Child("handSize"), q.HandSize, "should not be greater than queues"))
	case q.HandSize > maxHandSize:
		errs = append(errs, field.Invalid(fld.Child("handSize"), q.HandSize, "must not be greater than 128"))
	}
	return errs
}

func (PriorityLevelStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Type", "`type` indicates whether this priority level is subject to limitation on request execution.  A value of `\"Exempt\"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `\"Limited\"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server's limited capacity is made available exclusively to this priority level. Required.", 0),
		resource.Column("NominalConcurrencyShares", "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.", 0),
		resource.Column("Queues", "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.", 0),
		resource.Column("HandSize", "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.", 0),
		resource.Column("QueueLengthLimit", "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.", 0),
		resource.AgeColumn,
	}
}

// Cells print numbers for a limited level and "<none>" where a level has
// no such setting.
func (PriorityLevelStrategy) Cells(obj runtime.Object) []interface{} {
	pl := obj.(*flowcontrolv1.PriorityLevelConfiguration)
	var shares, queues, hand, limit interface{} = "<none>", "<none>", "<none>", "<none>"
	if l := pl.Spec.Limited; l != nil {
		shares = int32(0)
		if l.NominalConcurrencyShares != nil {
			shares = *l.NominalConcurrencyShares
		}
		if q := l.LimitResponse.Queuing; q != nil {
			queues, hand, limit = q.Queues, q.HandSize, q.QueueLengthLimit
		}
	}
	return []interface{}{string(pl.Spec.Type), shares, queues, hand, limit, resource.Age(pl)}
}
