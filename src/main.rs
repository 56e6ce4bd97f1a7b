use std::process::ExitCode;

// A language-server lint of a 5,000-line file spends a fifth of its time in
// the system allocator (thousands of small strings and JSON maps per edit);
// with mimalloc the edit-to-diagnostics time drops by about a third (see
// benches/README.md). Only the binary sets it: the library leaves the choice
// to whoever embeds it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turn off mimalloc's eager arena commit (option 4 of mimalloc v3) before
/// the first allocation: with it on, freed pages are reset instead of
/// decommitted and stay in the resident set, so a long-running language
/// server appears to hold half again as much memory as it uses. Run from
/// `.init_array`, before Rust's runtime allocates anything and while the
/// process has one thread (`mi_option_set` is not thread safe).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static MIMALLOC_OPTIONS: extern "C" fn() = {
    extern "C" fn set() {
        const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
        // SAFETY: a plain option store, before any thread exists.
        unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
    }
    set
};

fn main() -> ExitCode {
    // `rdock rules | head`: when the reader goes away, end quietly as other
    // command-line tools do, instead of panicking in `println!` on EPIPE.
    // Files are written atomically, so ending mid-way loses nothing.
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The embedded engine's sandbox helper: this binary started again for one step.
    #[cfg(target_os = "linux")]
    {
        let mut args = std::env::args_os().skip(1);
        if args.next().as_deref() == Some(std::ffi::OsStr::new(rdock::exec::embedded::HELPER_ARG)) {
            let spec = std::path::PathBuf::from(args.next().unwrap_or_default());
            let code = rdock::exec::embedded::helper_main(&spec);
            return ExitCode::from(code.clamp(0, 255) as u8);
        }
    }
    rdock::cli::main()
}
