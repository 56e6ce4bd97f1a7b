//! Workspace symbols: the named stages of every Dockerfile of the
//! workspace folders, open or not. Closed files are found as discovery
//! finds files (`workspace::dockerfiles_under`: the git index, else a
//! bounded walk) and read from disk, each at most [`MAX_FILE_BYTES`], at
//! most [`MAX_FILES`] of them.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types as lsp;

use super::Snapshot;
use crate::lsp::convert::Encoding;
use crate::model::Model;
use crate::settings::Settings;

/// The most Dockerfiles read from disk for one request.
pub const MAX_FILES: usize = 5_000;
/// Larger files on disk are left out (an open document is always read).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The Dockerfiles under the workspace folders, sorted, and what bounded
/// the search.
pub fn scan(folders: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for f in folders {
        let (found, why) = crate::workspace::dockerfiles_under(f);
        files.extend(found);
        problems.extend(why);
    }
    files.sort();
    files.dedup();
    if files.len() > MAX_FILES {
        problems.push(format!(
            "{} Dockerfiles in the workspace: the first {MAX_FILES} are searched",
            files.len()
        ));
        files.truncate(MAX_FILES);
    }
    (files, problems)
}

/// The stages matching `query` in `files`, except those in `skip` (open).
pub fn closed_files(
    files: &[PathBuf],
    skip: &[lsp::Uri],
    query: &str,
    settings: &Arc<Settings>,
    encoding: Encoding,
) -> Vec<lsp::WorkspaceSymbol> {
    let mut out = Vec::new();
    for path in files {
        let Some(uri) = lsp::Uri::from_file_path(path) else {
            continue;
        };
        if skip.contains(&uri) {
            continue;
        }
        if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_FILE_BYTES) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // Cheap test first: a file without the name cannot match.
        if !query.is_empty() && !text.to_lowercase().contains(&query.to_lowercase()) {
            continue;
        }
        let snap = Snapshot {
            uri,
            version: 0,
            index: crate::line_index::LineIndex::new(&text),
            text,
            settings: settings.clone(),
            encoding,
            options: Default::default(),
            resolve_edits: false,
            cancel: Default::default(),
            findings: None,
        };
        out.extend(symbols(&snap, query));
    }
    out
}

/// The named stages of one document matching `query` (any case, anywhere
/// in the name).
pub fn symbols(s: &Snapshot, query: &str) -> Vec<lsp::WorkspaceSymbol> {
    let m = Model::new(&s.text, &s.settings.build.inputs);
    let conv = s.conv();
    let query = query.to_lowercase();
    let file = s
        .uri
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    m.stages
        .iter()
        .filter_map(|st| {
            let name = st.name.as_ref()?;
            if !name.text.to_lowercase().contains(&query) {
                return None;
            }
            Some(lsp::WorkspaceSymbol {
                name: name.text.clone(),
                kind: lsp::SymbolKind::MODULE,
                tags: None,
                container_name: Some(file.clone()),
                location: lsp::OneOf::Left(lsp::Location::new(
                    s.uri.clone(),
                    conv.range(name.span),
                )),
                data: None,
            })
        })
        .collect()
}
