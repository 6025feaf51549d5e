package core

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateContainerProbes checks probes and lifecycle hooks; init
// containers that are not sidecars may have neither.
func validateContainerProbes(c *corev1.Container, kind containerKind, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if kind == initContainer {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"lifecycle", c.Lifecycle != nil},
			{"livenessProbe", c.LivenessProbe != nil},
			{"readinessProbe", c.ReadinessProbe != nil},
			{"startupProbe", c.StartupProbe != nil},
		} {
			if f.set {
				errs = append(errs, field.Forbidden(fldPath.Child(f.name), "may not be set for init containers without restartPolicy=Always"))
			}
		}
		return errs
	}
	if c.Lifecycle != nil {
		errs = append(errs, validateLifecycleHandler(c.Lifecycle.PostStart, fldPath.Child("lifecycle", "postStart"))...)
		errs = append(errs, validateLifecycleHandler(c.Lifecycle.PreStop, fldPath.Child("lifecycle", "preStop"))...)
	}
	errs = append(errs, validateProbe(c.LivenessProbe, true, fldPath.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.StartupProbe, true, fldPath.Child("startupProbe"))...)
	if kind == sidecarContainer || c.ReadinessProbe == nil || c.ReadinessProbe.TerminationGracePeriodSeconds == nil {
		errs = append(errs, validateProbe(c.ReadinessProbe, false, fldPath.Child("readinessProbe"))...)
	} else {
		errs = append(errs, field.Invalid(fldPath.Child("readinessProbe", "terminationGracePeriodSeconds"),
			*c.ReadinessProbe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return errs
}

// validateProbe checks one probe; liveness and startup probes must have
// a success threshold of 1.
func validateProbe(p *corev1.Probe, mustSucceedOnce bool, fldPath *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	errs := validateProbeHandler(&p.ProbeHandler, fldPath)
	for _, f := range []struct {
		name string
		v    int32
	}{
		{"initialDelaySeconds", p.InitialDelaySeconds},
		{"timeoutSeconds", p.TimeoutSeconds},
		{"periodSeconds", p.PeriodSeconds},
		{"successThreshold", p.SuccessThreshold},
		{"failureThreshold", p.FailureThreshold},
	} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(f.v), fldPath.Child(f.name))...)
	}
	if mustSucceedOnce && p.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(fldPath.Child("successThreshold"), p.SuccessThreshold, "must be 1"))
	}
	if g := p.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

// validateProbeHandler requires exactly one of exec, httpGet, tcpSocket
// and grpc.
func validateProbeHandler(h *corev1.ProbeHandler, fldPath *field.Path) field.ErrorList {
	errs, n := validateActions(h.Exec, h.HTTPGet, h.TCPSocket, fldPath)
	if h.GRPC != nil {
		if n > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child("grpc"), "may not specify more than 1 handler type"))
		} else {
			errs = append(errs, invalidEach(fldPath.Child("grpc", "port"), h.GRPC.Port, validation.IsValidPortNum(int(h.GRPC.Port)))...)
		}
		n++
	}
	if n == 0 {
		errs = append(errs, field.Required(fldPath, "must specify a handler type"))
	}
	return errs
}

func validateLifecycleHandler(h *corev1.LifecycleHandler, fldPath *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	errs, n := validateActions(h.Exec, h.HTTPGet, h.TCPSocket, fldPath)
	if h.Sleep != nil {
		if n > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child("sleep"), "may not specify more than 1 handler type"))
		} else if h.Sleep.Seconds < 0 || h.Sleep.Seconds > math.MaxInt32 {
			errs = append(errs, field.Invalid(fldPath.Child("sleep", "seconds"), h.Sleep.Seconds, validation.InclusiveRangeError(0, math.MaxInt32)))
		}
		n++
	}
	if n == 0 {
		errs = append(errs, field.Required(fldPath, "must specify a handler type"))
	}
	return errs
}

// validateActions checks the handler kinds probes and hooks share and
// counts how many are set.
func validateActions(exec *corev1.ExecAction, get *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, fldPath *field.Path) (field.ErrorList, int) {
	var errs field.ErrorList
	n := 0
	more := func(name string) bool {
		if n > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child(name), "may not specify more than 1 handler type"))
			return true
		}
		n++
		return false
	}
	if exec != nil && !more("exec") && len(exec.Command) == 0 {
		errs = append(errs, field.Required(fldPath.Child("exec", "command"), ""))
	}
	if get != nil && !more("httpGet") {
		errs = append(errs, validateHTTPGet(get, fldPath.Child("httpGet"))...)
	}
	if tcp != nil && !more("tcpSocket") {
		errs = append(errs, validatePortNumOrName(tcp.Port, fldPath.Child("tcpSocket", "port"))...)
	}
	return errs, n
}

func validateHTTPGet(h *corev1.HTTPGetAction, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	}
	errs = append(errs, validatePortNumOrName(h.Port, fldPath.Child("port"))...)
	if h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		errs = append(errs, field.NotSupported(fldPath.Child("scheme"), h.Scheme,
			[]corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
	}
	for i, hdr := range h.HTTPHeaders {
		errs = append(errs, invalidEach(fldPath.Child("httpHeaders").Index(i).Child("name"), hdr.Name, validation.IsHTTPHeaderName(hdr.Name))...)
	}
	return errs
}
