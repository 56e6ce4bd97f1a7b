//! Work-done progress (`$/progress`) for long analyses: the first lint of a
//! large document and the first scan of the workspace's Dockerfiles. The
//! report runs on its own task, so a client that is slow to answer
//! `window/workDoneProgress/create` never holds up the analysis.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::oneshot;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::Client;

/// Documents at least this large report progress on their first lint
/// (about 6,000 lines of a typical Dockerfile).
pub const LARGE_BYTES: usize = 256 * 1024;

/// A progress report in flight; ends when dropped.
pub struct Report(Option<oneshot::Sender<()>>);

impl Drop for Report {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            let _ = done.send(());
        }
    }
}

/// Start reporting `title` to `client` (which must have said it supports
/// `window.workDoneProgress`).
pub fn start(client: &Client, title: String, message: String) -> Report {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let token =
        lsp::NumberOrString::String(format!("rdock/{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    let (done, finished) = oneshot::channel();
    let client = client.clone();
    tokio::spawn(async move {
        if client
            .create_work_done_progress(token.clone())
            .await
            .is_err()
        {
            return;
        }
        let report = client
            .progress(token, title)
            .with_message(message)
            .begin()
            .await;
        let _ = finished.await;
        report.finish().await;
    });
    Report(Some(done))
}
