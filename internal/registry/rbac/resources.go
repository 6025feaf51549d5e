// Package rbac holds the rules of the rbac.authorization.k8s.io/v1
// resources: roles, rolebindings, clusterroles and clusterrolebindings.
// Their names are path segments (they may hold ':'), not DNS subdomains.
package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the rbac.authorization.k8s.io/v1 resources as
// Kubernetes 1.32 serves them.
func Resources() []resource.Resource {
	gv := rbacv1.SchemeGroupVersion
	return []resource.Resource{
		{
			GVR: gv.WithResource("roles"), Kind: "Role", Singular: "role", Namespaced: true,
			New:          func() runtime.Object { return &rbacv1.Role{} },
			NewList:      func() runtime.Object { return &rbacv1.RoleList{} },
			Strategy:     RoleStrategy{},
			ValidateName: path.ValidatePathSegmentName,
		},
		{
			GVR: gv.WithResource("rolebindings"), Kind: "RoleBinding", Singular: "rolebinding", Namespaced: true,
			New:          func() runtime.Object { return &rbacv1.RoleBinding{} },
			NewList:      func() runtime.Object { return &rbacv1.RoleBindingList{} },
			Strategy:     RoleBindingStrategy{},
			ValidateName: path.ValidatePathSegmentName,
		},
		{
			GVR: gv.WithResource("clusterroles"), Kind: "ClusterRole", Singular: "clusterrole",
			New:          func() runtime.Object { return &rbacv1.ClusterRole{} },
			NewList:      func() runtime.Object { return &rbacv1.ClusterRoleList{} },
			Strategy:     ClusterRoleStrategy{},
			ValidateName: path.ValidatePathSegmentName,
		},
		{
			GVR: gv.WithResource("clusterrolebindings"), Kind: "ClusterRoleBinding", Singular: "clusterrolebinding",
			New:          func() runtime.Object { return &rbacv1.ClusterRoleBinding{} },
			NewList:      func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} },
			Strategy:     ClusterRoleBindingStrategy{},
			ValidateName: path.ValidatePathSegmentName,
		},
	}
}
