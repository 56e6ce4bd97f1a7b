// Package fuseoverlayfs replaces the fuse-overlayfs snapshotter, which Debian
// does not package: it is never supported, so buildkitd's "auto" snapshotter
// picks overlayfs or native.
package fuseoverlayfs

import (
	"github.com/containerd/containerd/v2/core/snapshots"
	"github.com/pkg/errors"
)

var errUnsupported = errors.New("fuse-overlayfs is not built into this buildkitd (rdock's build from Debian's sources)")

func Supported(string) error { return errUnsupported }

func NewSnapshotter(string) (snapshots.Snapshotter, error) { return nil, errUnsupported }
