package core

import (
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodStatusUpdate checks what the kubelet and scheduler write to
// /status: a known phase, valid conditions and addresses, no node change,
// and no terminated container coming back to life in a pod that does not
// restart it.
func validatePodStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	fldPath := field.NewPath("status")
	var errs field.ErrorList
	if pod.Status.Phase != "" {
		errs = append(errs, validateEnum(pod.Status.Phase, []corev1.PodPhase{corev1.PodPending, corev1.PodRunning,
			corev1.PodSucceeded, corev1.PodFailed, corev1.PodUnknown}, fldPath.Child("phase"))...)
	}
	if pod.Spec.NodeName != old.Spec.NodeName {
		errs = append(errs, field.Forbidden(fldPath.Child("nodeName"), "may not be changed directly"))
	}
	if n := pod.Status.NominatedNodeName; n != "" && n != old.Status.NominatedNodeName {
		errs = append(errs, validateOptionalName(n, fldPath.Child("nominatedNodeName"))...)
	}
	errs = append(errs, validatePodConditions(pod.Status.Conditions, fldPath.Child("conditions"))...)
	errs = append(errs, validateIPList(pod.Status.PodIP, podIPs(pod.Status.PodIPs), fldPath.Child("podIPs"))...)
	errs = append(errs, validateIPList(pod.Status.HostIP, hostIPs(pod.Status.HostIPs), fldPath.Child("hostIPs"))...)
	if pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
		errs = append(errs, validateNoResurrection(pod.Status.ContainerStatuses, old.Status.ContainerStatuses, fldPath.Child("containerStatuses"))...)
	}
	return errs
}

// validatePodConditions: condition types outside the built-in ones must
// be qualified names.
func validatePodConditions(conds []corev1.PodCondition, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range conds {
		switch c.Type {
		case corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized, corev1.ContainersReady:
			continue
		}
		errs = append(errs, validateQualifiedName(string(c.Type), fldPath.Index(i).Child("Type"))...)
	}
	return errs
}

func podIPs(ips []corev1.PodIP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.IP
	}
	return out
}

func hostIPs(ips []corev1.HostIP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.IP
	}
	return out
}

// validateIPList checks a status's address list: valid, unique, at most
// one per family, the first equal to the singular field.
func validateIPList(primary string, ips []string, fldPath *field.Path) field.ErrorList {
	if len(ips) == 0 {
		return nil
	}
	var errs field.ErrorList
	if primary != ips[0] {
		errs = append(errs, field.Invalid(fldPath.Index(0), ips[0], fmt.Sprintf("must match the first entry, %q", primary)))
	}
	seen := map[string]bool{}
	v4, v6 := 0, 0
	for i, ip := range ips {
		e := validation.IsValidIP(fldPath.Index(i), ip)
		errs = append(errs, e...)
		if len(e) > 0 {
			continue
		}
		if seen[ip] {
			errs = append(errs, field.Duplicate(fldPath.Index(i), ip))
		}
		seen[ip] = true
		if net.ParseIP(ip).To4() != nil {
			v4++
		} else {
			v6++
		}
	}
	if len(ips) > 2 || v4 > 1 || v6 > 1 {
		errs = append(errs, field.Invalid(fldPath, ips, "may specify no more than one IP for each IP family"))
	}
	return errs
}

func validateNoResurrection(cur, old []corev1.ContainerStatus, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range cur {
		for _, o := range old {
			if o.Name == s.Name && o.State.Terminated != nil && s.State.Terminated == nil {
				errs = append(errs, field.Forbidden(fldPath.Index(i),
					fmt.Sprintf("terminated container %s attempted illegal transition to non-terminated state", s.Name)))
			}
		}
	}
	return errs
}
