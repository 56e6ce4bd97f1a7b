//! Finding and reading configuration files.

use std::fs;

use super::*;

/// The real vocabulary: the rules' selectors and the parallelizer's models.
const VOCAB: Vocabulary = crate::settings::VOCABULARY;

#[test]
fn io_error_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".rdock.toml");
    let e = match load(&path, &VOCAB) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e,
    };
    assert!(matches!(e, ConfigError::Io { .. }));
    assert_eq!(e.path(), path);
    assert!(e
        .to_string()
        .starts_with(&format!("{}: cannot read configuration: ", path.display())));
}

#[test]
fn load_reads_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rdock.toml");
    fs::write(&path, "targets = [\"test\", \"release\"]\n").expect("write");
    let config = load(&path, &VOCAB).expect("valid");
    assert_eq!(config.path.as_deref(), Some(path.as_path()));
    assert_eq!(config.targets, ["test", "release"]);
}

/// A temporary folder holding `files` (path, text).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        write(&dir.path().join(path), text);
    }
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn found_path(found: &Option<Arc<Config>>) -> Option<PathBuf> {
    found.as_ref().and_then(|c| c.path.clone())
}

#[test]
fn discovery_walks_up() {
    let dir = tree(&[(".rdock.toml", "ignore = [\"RD106\"]\n")]);
    let root = dir.path();
    fs::create_dir_all(root.join("a/b")).expect("mkdir");
    let discovery = ConfigFiles::new(VOCAB);
    let found = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&found), Some(root.join(".rdock.toml")));
    assert_eq!(found.map(|c| c.ignore.clone()), Some(vec!["RD106".into()]));
}

#[test]
fn discovery_nearer_wins() {
    let dir = tree(&[
        (".rdock.toml", "ignore = [\"RD106\"]\n"),
        ("a/rdock.toml", "ignore = [\"RD101\"]\n"),
    ]);
    let root = dir.path();
    let discovery = ConfigFiles::new(VOCAB);
    let near = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&near), Some(root.join("a/rdock.toml")));
    let near = discovery
        .for_file(&root.join("a/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&near), Some(root.join("a/rdock.toml")));
    let far = discovery
        .for_file(&root.join("c/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&far), Some(root.join(".rdock.toml")));
}

#[test]
fn both_names_in_one_directory_are_refused() {
    let dir = tree(&[
        ("rdock.toml", "ignore = [\"RD101\"]\n"),
        (".rdock.toml", "ignore = [\"RD106\"]\n"),
    ]);
    let root = dir.path();
    let e = ConfigFiles::new(VOCAB)
        .for_file(&root.join("Dockerfile"))
        .expect_err("which one?");
    assert!(matches!(e, ConfigError::Ambiguous { .. }), "{e}");
    assert_eq!(e.path(), root.join(".rdock.toml"));
    assert!(
        e.to_string()
            .contains("both `.rdock.toml` and `rdock.toml`"),
        "{e}"
    );
    // One of them alone is used.
    fs::remove_file(root.join(".rdock.toml")).expect("rm");
    let found = ConfigFiles::new(VOCAB)
        .for_file(&root.join("Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&found), Some(root.join("rdock.toml")));
}

/// An entry named like a configuration file that is not one (a folder, a
/// named pipe, a link loop, a link to nothing) is an error naming it, not
/// skipped for a configuration further up.
#[cfg(unix)]
#[test]
fn a_config_name_that_is_not_a_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join(".rdock.toml"), "ignore = [\"RD101\"]\n");
    type Make<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Make, &str); 4] = [
        (
            "folder",
            &|p| fs::create_dir(p).expect("mkdir"),
            "directory",
        ),
        (
            "fifo",
            &|p| {
                let ok = std::process::Command::new("mkfifo")
                    .arg(p)
                    .status()
                    .expect("mkfifo");
                assert!(ok.success());
            },
            "not a regular file",
        ),
        (
            "loop",
            &|p| std::os::unix::fs::symlink(p, p).expect("symlink"),
            "symbolic links",
        ),
        (
            "dangling",
            &|p| std::os::unix::fs::symlink("nowhere", p).expect("symlink"),
            "No such file",
        ),
    ];
    for (what, make, says) in cases {
        let sub = dir.path().join(what);
        fs::create_dir(&sub).expect("mkdir");
        make(&sub.join(".rdock.toml"));
        let e = ConfigFiles::new(VOCAB)
            .for_file(&sub.join("Dockerfile"))
            .expect_err(what);
        assert_eq!(e.path(), sub.join(".rdock.toml"), "{what}");
        assert!(e.to_string().contains(says), "{what}: {e}");
    }
}

#[test]
fn discovery_none_found() {
    // Assumes no configuration file above the system's temporary directory.
    let dir = tempfile::tempdir().expect("tempdir");
    let discovery = ConfigFiles::new(VOCAB);
    let file = dir.path().join("x/Dockerfile");
    assert!(discovery.for_file(&file).expect("no error").is_none());
    // Cached as none too.
    assert!(discovery.for_file(&file).expect("no error").is_none());
}

#[test]
fn discovery_caches_per_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let config = root.join(".rdock.toml");
    write(&config, "targets = [\"release\"]\n");
    fs::create_dir_all(root.join("a/b")).expect("mkdir");
    let discovery = ConfigFiles::new(VOCAB);
    let first = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid")
        .expect("found");
    // Every directory on the way up shares the one parse...
    for file in [
        "a/b/other.Dockerfile",
        "a/Dockerfile",
        "Dockerfile",
        "c/Dockerfile",
    ] {
        let again = discovery
            .for_file(&root.join(file))
            .expect("valid")
            .expect("found");
        assert!(Arc::ptr_eq(&first, &again), "{file}");
    }
    // ...and the file is not read again.
    fs::remove_file(&config).expect("rm");
    let cached = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid")
        .expect("found");
    assert!(Arc::ptr_eq(&first, &cached));
    // A new discovery sees the change.
    let fresh = ConfigFiles::new(VOCAB).for_file(&root.join("a/b/Dockerfile"));
    assert!(fresh.expect("valid").is_none());
}

#[test]
fn discovery_from_many_threads() {
    let dir = tree(&[(".rdock.toml", "select = [\"RD1\"]\n")]);
    let root = dir.path();
    let discovery = ConfigFiles::new(VOCAB);
    let found: Vec<Arc<Config>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let discovery = &discovery;
                let file = root.join(format!("d{}/Dockerfile", i % 3));
                s.spawn(move || discovery.for_file(&file))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("valid").expect("found"))
            .collect()
    });
    assert!(found.iter().all(|c| c.select == Some(vec!["RD1".into()])));
}

#[test]
fn discovery_reports_errors_with_paths_relative_to_cwd() {
    let dir = tree(&[
        ("sub/.rdock.toml", "ignore = [\"RD999\"]\n"),
        (".rdock.toml", "ignore = [\"RD106\"]\n"),
    ]);
    let root = dir.path();
    let discovery = ConfigFiles::with_cwd(VOCAB, root.to_path_buf());
    let e = match discovery.for_file(Path::new("sub/deeper/../Dockerfile")) {
        Ok(found) => panic!("expected an error, got {found:?}"),
        Err(e) => e,
    };
    assert_eq!(
        e.to_string(),
        format!(
            "{}:1:11: unknown rule selector `RD999` in `ignore`",
            Path::new("sub").join(".rdock.toml").display()
        )
    );
    // Errors are not cached.
    assert!(discovery.for_file(Path::new("sub/Dockerfile")).is_err());
    // A file in the current directory, given as a bare name.
    let found = discovery.for_file(Path::new("Dockerfile")).expect("valid");
    assert_eq!(found_path(&found), Some(PathBuf::from(".rdock.toml")));
    let found = discovery.for_dir(Path::new(".")).expect("valid");
    assert_eq!(found_path(&found), Some(PathBuf::from(".rdock.toml")));
}

#[test]
fn normalize_is_lexical() {
    assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
    assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
}
