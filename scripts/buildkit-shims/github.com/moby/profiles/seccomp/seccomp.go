// Package seccomp stands in for github.com/moby/profiles/seccomp, which
// Debian does not package: BuildKit only asks it for the default profile,
// and containerd's default profile (packaged, derived from Docker's) is used.
package seccomp

import (
	ctdseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// GetDefaultProfile returns the default seccomp profile for the spec.
func GetDefaultProfile(rs *specs.Spec) (*specs.LinuxSeccomp, error) {
	return ctdseccomp.DefaultProfile(rs), nil
}
