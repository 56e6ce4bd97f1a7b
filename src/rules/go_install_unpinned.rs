use super::packages::{unpinned, GO};
use super::Context;

declare_rule! {
    /// `go install <module path>` (or `go get`) without `@version`.
    GoInstallUnpinned: RD430 "go-install-unpinned", Warning, "Remote Go package installed at `@latest`, or `go get` without a version";
    hadolint: ["DL3062"]
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &GO);
}
