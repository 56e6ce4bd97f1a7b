//! `rdock lsp`: the language server. The only user of LSP types; it calls
//! the same library entry points as `rdock lint` (`crate::check`,
//! `crate::check_and_fix`, `session::Session`).

pub mod actions;
pub mod convert;
pub mod diagnostics;
pub mod documents;
pub mod format;
pub mod navigate;
pub mod options;
pub mod progress;
pub mod server;
pub mod snapshot;
pub mod transport;

/// Serve over stdin/stdout until the client exits. `Ok(true)` when it asked
/// for `shutdown` first, `Ok(false)` when it did not (the process then
/// exits with 1, as the LSP specification says); an error message when the
/// runtime cannot start.
pub fn run() -> Result<bool, String> {
    purge_freed_memory_at_once();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(BLOCKING_THREAD_KEEP_ALIVE)
        .build()
        .map_err(|e| format!("cannot start the language server runtime: {e}"))?;
    let input = stdin_on_its_own_thread(runtime.handle().clone())
        .map_err(|e| format!("cannot start the language server's reader: {e}"))?;
    runtime.block_on(serve(input, tokio::io::stdout()));
    // A computation still running on the blocking pool (a cancelled request
    // on a huge file) must not keep the process alive after `exit`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(server::SHUTDOWN_REQUESTED.load(std::sync::atomic::Ordering::SeqCst))
}

/// stdin, read by a thread of its own. tokio's stdin reads on a thread of
/// the blocking pool, which then waits in `read` until the editor sends
/// something: a pool thread that had analysed a large document could
/// become that reader and never end, and mimalloc then kept what the
/// document's close freed of that thread's memory (1.2 MB after a
/// 9,000-line file, debug build). The reader's own allocations are one
/// buffer.
fn stdin_on_its_own_thread(
    runtime: tokio::runtime::Handle,
) -> std::io::Result<tokio::io::DuplexStream> {
    use std::io::Read;
    use tokio::io::AsyncWriteExt;
    let (input, mut to_input) = tokio::io::duplex(transport::IO_CHUNK);
    std::thread::Builder::new()
        .name("rdock-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0; transport::IO_CHUNK];
            loop {
                let n = match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                // Fails once the server stopped reading (it has ended).
                if runtime.block_on(to_input.write_all(&buf[..n])).is_err() {
                    break;
                }
            }
            // Dropping `to_input`: the end of the input.
        })?;
    Ok(input)
}

/// How long an idle thread of the blocking pool waits for more work before
/// it ends (tokio's default: 10 s). The analyses of large documents run on
/// these threads, and what they leave in the document (its findings) is
/// freed by the thread that handles `didClose`: mimalloc hands such memory
/// back only when the thread that allocated it collects or ends. After a
/// 50,000-line file was closed, one idle pool thread held 1.1 MB of free
/// pages until it ended. After a pause, the next piece of work (a lint, a
/// write to stdout) starts a thread again.
const BLOCKING_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(1);

/// Have mimalloc give pages back to the system as soon as they are free
/// (its `purge_delay` option, 10 ms by default, to 0). With the delay, a
/// page freed by a thread that then goes idle is kept until that thread
/// allocates again: after a 50,000-line file's outline and code actions the
/// server stayed at 54 to 57 MB with every document closed, and at 36 to
/// 38 MB without it (8.6 MB idle; scripts/bench-lsp.py, twice each, the
/// 5,000-line edit latency within this machine's noise). Set before the
/// runtime starts its threads: `mi_option_set` is a plain store.
fn purge_freed_memory_at_once() {
    /// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: an option store while this is the process's only thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

/// Serve the LSP messages framed on `input` (`Content-Length` headers) on
/// `output` until the client sends `exit` or `input` ends. `run` serves
/// stdin and stdout; the fuzzer, in-memory streams.
pub async fn serve(
    input: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    output: impl tokio::io::AsyncWrite + Unpin,
) {
    let outbox = transport::Outbox::new();
    let (service, socket) = {
        let outbox = outbox.clone();
        tower_lsp_server::LspService::build(move |client| server::Backend::new(client, outbox))
            .custom_method(transport::MALFORMED_METHOD, server::Backend::malformed)
            .custom_method(transport::DIRECT_METHOD, server::Backend::direct)
            .custom_method(transport::LARGE_METHOD, server::Backend::large)
            .finish()
    };
    let (to_server, from_pump) = tokio::io::duplex(1 << 16);
    let phase = transport::Phase::default();
    let answered = phase.answered();
    let pump = tokio::spawn(transport::pump(input, to_server, phase));
    let (to_outbox, from_server) = tokio::io::duplex(1 << 16);
    let server = async move {
        tower_lsp_server::Server::new(from_pump, to_outbox, socket)
            .serve(service)
            .await;
    };
    tokio::join!(
        server,
        transport::collect(from_server, outbox.clone(), answered),
        transport::write(outbox, output)
    );
    pump.abort();
}
