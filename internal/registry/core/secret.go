package core

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func secretResource() resource.Resource {
	return newResource("secrets", "Secret", true,
		func() runtime.Object { return &corev1.Secret{} },
		func() runtime.Object { return &corev1.SecretList{} },
		secretStrategy{})
}

// secretStrategy holds the rules of secrets.
type secretStrategy struct{ resource.Base }

var _ resource.Strategy = secretStrategy{}

// Default merges the write-only stringData into data, as the v1 API does
// on the way in, and makes untyped secrets Opaque.
func (secretStrategy) Default(obj runtime.Object) {
	s := obj.(*corev1.Secret)
	if len(s.StringData) > 0 {
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		for k, v := range s.StringData {
			s.Data[k] = []byte(v)
		}
	}
	s.StringData = nil
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
}

func (secretStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateSecret(obj.(*corev1.Secret))
}

// ValidateUpdate: the type never changes; an immutable secret stays
// immutable and keeps its data.
func (secretStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	s, prev := obj.(*corev1.Secret), old.(*corev1.Secret)
	var errs field.ErrorList
	if s.Type != prev.Type {
		errs = append(errs, field.Invalid(field.NewPath("type"), s.Type, "field is immutable"))
	}
	if prev.Immutable != nil && *prev.Immutable {
		if s.Immutable == nil || !*s.Immutable {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
		}
		if !equality.Semantic.DeepEqual(s.Data, prev.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
	}
	return append(errs, validateSecret(s)...)
}

// validateSecret checks keys, size, and the keys each well-known type
// requires.
func validateSecret(s *corev1.Secret) field.ErrorList {
	dataPath := field.NewPath("data")
	var errs field.ErrorList
	size := 0
	for k, v := range s.Data {
		errs = append(errs, invalidEach(dataPath.Key(k), k, validation.IsConfigMapKey(k))...)
		size += len(v)
	}
	if size > maxSecretSize {
		errs = append(errs, field.TooLong(dataPath, "", maxSecretSize))
	}
	return append(errs, validateSecretType(s, dataPath)...)
}

func validateSecretType(s *corev1.Secret, dataPath *field.Path) field.ErrorList {
	required := func(key string) field.ErrorList {
		if _, ok := s.Data[key]; !ok {
			return field.ErrorList{field.Required(dataPath.Key(key), "")}
		}
		return nil
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			return field.ErrorList{field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), "")}
		}
	case corev1.SecretTypeDockercfg:
		return validateJSONKey(s, corev1.DockerConfigKey, dataPath)
	case corev1.SecretTypeDockerConfigJson:
		return validateJSONKey(s, corev1.DockerConfigJsonKey, dataPath)
	case corev1.SecretTypeBasicAuth:
		_, user := s.Data[corev1.BasicAuthUsernameKey]
		_, pass := s.Data[corev1.BasicAuthPasswordKey]
		if !user && !pass {
			return append(required(corev1.BasicAuthUsernameKey), required(corev1.BasicAuthPasswordKey)...)
		}
	case corev1.SecretTypeSSHAuth:
		if len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
			return field.ErrorList{field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), "")}
		}
	case corev1.SecretTypeTLS:
		return append(required(corev1.TLSCertKey), required(corev1.TLSPrivateKeyKey)...)
	}
	return nil
}

// validateJSONKey requires key to hold a JSON object.
func validateJSONKey(s *corev1.Secret, key string, dataPath *field.Path) field.ErrorList {
	raw, ok := s.Data[key]
	if !ok {
		return field.ErrorList{field.Required(dataPath.Key(key), "")}
	}
	if err := json.Unmarshal(raw, &map[string]interface{}{}); err != nil {
		return field.ErrorList{field.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error())}
	}
	return nil
}

func (secretStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Type", corev1.Secret{}.SwaggerDoc()["type"], 0),
		resource.Column("Data", corev1.Secret{}.SwaggerDoc()["data"], 0),
		resource.AgeColumn,
	}
}

func (secretStrategy) Cells(obj runtime.Object) []interface{} {
	s := obj.(*corev1.Secret)
	return []interface{}{string(s.Type), int64(len(s.Data)), resource.Age(s)}
}

func (secretStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"type": string(obj.(*corev1.Secret).Type)}
}
