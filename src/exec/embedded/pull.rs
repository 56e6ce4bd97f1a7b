//! Base images pulled from a registry with the OCI distribution protocol
//! (`oci-client`: manifests, platform choice from an image index, the
//! bearer-token flow Docker Hub uses, digests checked as blobs arrive).
//! Layers and configurations are kept by digest under the cache folder
//! (`blobs/sha256/HEX`), so an image is downloaded once and a layer two
//! images share once.
//!
//! A registry on the loopback interface (`localhost`, `127.0.0.1`, `[::1]`)
//! is spoken to over plain HTTP, as Docker does; so are the registries in
//! `RDOCK_INSECURE_REGISTRIES` (comma-separated `host:port`). Credentials
//! come from `~/.docker/config.json` (`auths.REGISTRY.auth`, what `docker
//! login` writes); without them the pull is anonymous.

use std::path::{Path, PathBuf};

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

/// What a pull leaves: the image configuration (raw) and its layers, in
/// order, as files in the blob cache.
pub struct Pulled {
    pub config: Vec<u8>,
    pub layers: Vec<PathBuf>,
}

/// Pull `name` (as FROM writes it) into the blob cache under `cache`.
pub fn pull(name: &str, cache: &Path) -> Result<Pulled, String> {
    let reference = Reference::try_from(name)
        .map_err(|e| format!("`{name}` is not an image reference: {e}"))?;
    let registry = reference.resolve_registry().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the registry client: {e}"))?;
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(plain_http_registries(&registry)),
        connect_timeout: Some(std::time::Duration::from_secs(15)),
        // A registry that stops sending fails the pull instead of hanging it.
        read_timeout: Some(std::time::Duration::from_secs(60)),
        ..ClientConfig::default()
    });
    let auth = credentials(&registry);
    let blobs = cache.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(|e| format!("{}: {e}", blobs.display()))?;
    rt.block_on(async {
        let (manifest, _digest, config) = client
            .pull_manifest_and_config(&reference, &auth)
            .await
            .map_err(|e| format!("pulling `{name}` from {registry}: {e}"))?;
        let mut layers = Vec::new();
        for layer in &manifest.layers {
            let hex = layer
                .digest
                .strip_prefix("sha256:")
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| format!("`{name}`: layer digest {} is not sha256", layer.digest))?;
            let path = blobs.join(hex);
            if !path.is_file() {
                // Into a temporary file first: a broken download leaves nothing behind.
                let tmp = tempfile::NamedTempFile::new_in(&blobs)
                    .map_err(|e| format!("{}: {e}", blobs.display()))?;
                let mut file = tokio::fs::File::from_std(
                    tmp.reopen()
                        .map_err(|e| format!("{}: {e}", tmp.path().display()))?,
                );
                client
                    .pull_blob(&reference, layer, &mut file)
                    .await
                    .map_err(|e| format!("pulling layer {} of `{name}`: {e}", layer.digest))?;
                // tokio writes in the background: done before the file is named.
                tokio::io::AsyncWriteExt::flush(&mut file)
                    .await
                    .map_err(|e| format!("{}: {e}", tmp.path().display()))?;
                tmp.persist(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            layers.push(path);
        }
        Ok(Pulled {
            config: config.into_bytes(),
            layers,
        })
    })
}

/// The registries spoken to over plain HTTP: `registry` itself when it is
/// on the loopback interface, and those in `RDOCK_INSECURE_REGISTRIES`.
fn plain_http_registries(registry: &str) -> Vec<String> {
    let mut out: Vec<String> = std::env::var("RDOCK_INSECURE_REGISTRIES")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if is_loopback(registry) {
        out.push(registry.to_string());
    }
    out
}

fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => registry.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Credentials for `registry` from Docker's configuration, else anonymous.
fn credentials(registry: &str) -> RegistryAuth {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
    let Some(config) = dir.and_then(|d| std::fs::read(d.join("config.json")).ok()) else {
        return RegistryAuth::Anonymous;
    };
    let Ok(config) = serde_json::from_slice::<serde_json::Value>(&config) else {
        return RegistryAuth::Anonymous;
    };
    let hub = registry == "index.docker.io" || registry == "registry-1.docker.io";
    let auths = config.get("auths").and_then(|a| a.as_object());
    let entry = auths.and_then(|a| {
        a.iter().find_map(|(k, v)| {
            let k = k
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            let host = k.split('/').next().unwrap_or(k);
            (host == registry || (hub && host.ends_with("docker.io"))).then_some(v)
        })
    });
    let decoded = entry
        .and_then(|e| e.get("auth"))
        .and_then(|a| a.as_str())
        .and_then(|a| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.decode(a).ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|s| s.split_once(':')) {
        Some((user, pass)) => RegistryAuth::Basic(user.to_string(), pass.to_string()),
        None => RegistryAuth::Anonymous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_speak_plain_http() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1:41234"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("index.docker.io"));
        assert!(!is_loopback("10.0.0.1:5000"));
    }

    #[test]
    fn docker_config_credentials() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"}}}"#,
        )
        .unwrap();
        // SAFETY: a test that owns DOCKER_CONFIG for its process.
        unsafe { std::env::set_var("DOCKER_CONFIG", dir.path()) };
        let auth = credentials("index.docker.io");
        unsafe { std::env::remove_var("DOCKER_CONFIG") };
        assert!(matches!(auth, RegistryAuth::Basic(u, p) if u == "user" && p == "pass"));
    }
}
