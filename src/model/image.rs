//! Image references read the way Docker reads them: which registry serves a
//! name, and its repository without tag and digest. The registry rules, the
//! language server's image links and the parallelizer's facts about base
//! images read names through these.

/// Docker Hub, as [`registry_of`] names it.
pub const DOCKER_HUB: &str = "docker.io";

/// The first path component when it names a registry, by Docker's rule:
/// it contains `.` or `:`, is `localhost` or has upper case letters.
fn registry_part(image: &str) -> Option<(&str, &str)> {
    image.split_once('/').filter(|(first, _)| {
        first.contains(['.', ':'])
            || *first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase())
    })
}

/// The registry of an image reference: the registry part, else Docker Hub
/// (`docker.io`). Lower case, with Docker Hub's other names folded into
/// `docker.io`.
pub fn registry_of(image: &str) -> String {
    canonical_registry(registry_part(image).map_or(DOCKER_HUB, |(r, _)| r))
}

/// `registry` in lower case, with Docker Hub's other names (`index.docker.io`,
/// `registry-1.docker.io`, `hub.docker.com`) folded into `docker.io`.
pub fn canonical_registry(registry: &str) -> String {
    let lower = registry.to_ascii_lowercase();
    match lower.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "hub.docker.com" => DOCKER_HUB.to_owned(),
        _ => lower,
    }
}

/// `(registry, repository)` of an image reference: the repository in lower
/// case without registry, tag and digest, and without `library/` on Docker
/// Hub (`docker.io/library/alpine:3` is `("docker.io", "alpine")`). `None`
/// when no repository is left.
pub fn repository_of(image: &str) -> Option<(String, String)> {
    let name = image.split('@').next()?;
    let last = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[last..].find(':') {
        Some(i) => &name[..last + i],
        None => name,
    };
    let registry = registry_of(name);
    let path = registry_part(name)
        .map_or(name, |(_, p)| p)
        .to_ascii_lowercase();
    let path = match (registry == DOCKER_HUB, path.strip_prefix("library/")) {
        (true, Some(official)) => official.to_string(),
        _ => path,
    };
    (!path.is_empty()).then_some((registry, path))
}

/// The Docker Official Images (`docker.io/library/<name>`), current and
/// deprecated ones still pulled, sorted. A one-word name that is not one of
/// them cannot come from Docker Hub: only official images live in
/// `library/`.
const OFFICIAL: &[&str] = &[
    "adminer",
    "adoptopenjdk",
    "aerospike",
    "almalinux",
    "alpine",
    "alt",
    "amazoncorretto",
    "amazonlinux",
    "api-firewall",
    "arangodb",
    "archlinux",
    "backdrop",
    "bash",
    "bonita",
    "buildpack-deps",
    "busybox",
    "caddy",
    "cassandra",
    "celery",
    "centos",
    "chronograf",
    "cirros",
    "clearlinux",
    "clefos",
    "clickhouse",
    "clojure",
    "composer",
    "consul",
    "convertigo",
    "couchbase",
    "couchdb",
    "crate",
    "crux",
    "dart",
    "debian",
    "django",
    "docker",
    "drupal",
    "eclipse-mosquitto",
    "eclipse-temurin",
    "eggdrop",
    "elasticsearch",
    "elixir",
    "emqx",
    "erlang",
    "euleros",
    "express-gateway",
    "fedora",
    "flink",
    "fluentd",
    "friendica",
    "fsharp",
    "gazebo",
    "gcc",
    "geonetwork",
    "ghost",
    "glassfish",
    "golang",
    "gradle",
    "groovy",
    "haproxy",
    "haskell",
    "haxe",
    "hello-world",
    "hitch",
    "httpd",
    "hylang",
    "ibm-semeru-runtimes",
    "ibmjava",
    "influxdb",
    "iojs",
    "irssi",
    "java",
    "jenkins",
    "jetty",
    "jobber",
    "joomla",
    "jruby",
    "julia",
    "kaazing-gateway",
    "kapacitor",
    "kibana",
    "known",
    "kong",
    "krakend",
    "lightstreamer",
    "liquibase",
    "logstash",
    "mageia",
    "mariadb",
    "matomo",
    "maven",
    "mediawiki",
    "memcached",
    "mongo",
    "mongo-express",
    "monica",
    "mono",
    "mysql",
    "nats",
    "nats-streaming",
    "neo4j",
    "neurodebian",
    "nextcloud",
    "nginx",
    "node",
    "notary",
    "nuxeo",
    "odoo",
    "open-liberty",
    "openjdk",
    "opensuse",
    "oraclelinux",
    "orientdb",
    "owncloud",
    "percona",
    "perl",
    "photon",
    "php",
    "php-zendserver",
    "phpmyadmin",
    "piwik",
    "plone",
    "postfixadmin",
    "postgres",
    "pypy",
    "python",
    "r-base",
    "rabbitmq",
    "rails",
    "rakudo-star",
    "rapidoid",
    "redis",
    "redmine",
    "registry",
    "rethinkdb",
    "rocket.chat",
    "rockylinux",
    "ros",
    "ruby",
    "rust",
    "sapmachine",
    "satosa",
    "sentry",
    "silverpeas",
    "sl",
    "solr",
    "sonarqube",
    "sourcemage",
    "spark",
    "spiped",
    "storm",
    "swarm",
    "swift",
    "swipl",
    "teamspeak",
    "telegraf",
    "thrift",
    "tomcat",
    "tomee",
    "traefik",
    "ubuntu",
    "ubuntu-debootstrap",
    "ubuntu-upstart",
    "unit",
    "varnish",
    "vault",
    "websphere-liberty",
    "wordpress",
    "xwiki",
    "yourls",
    "znc",
    "zookeeper",
];

/// Whether `repository` (as [`repository_of`] gives it for Docker Hub: lower
/// case, without `library/`) is a Docker Official Image.
pub fn is_official(repository: &str) -> bool {
    OFFICIAL.binary_search(&repository).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_images_are_sorted() {
        assert!(OFFICIAL.windows(2).all(|w| w[0] < w[1]));
        assert!(is_official("alpine") && is_official("hello-world"));
        assert!(!is_official("bats-jenkins") && !is_official("library/alpine"));
    }

    #[test]
    fn repositories() {
        for (image, want) in [
            ("alpine", Some(("docker.io", "alpine"))),
            ("Alpine:3.20", Some(("docker.io", "alpine"))),
            (
                "docker.io/library/debian:12@sha256:ab",
                Some(("docker.io", "debian")),
            ),
            (
                "index.docker.io/bitnami/spark",
                Some(("docker.io", "bitnami/spark")),
            ),
            ("ghcr.io/Foo/bar:v1", Some(("ghcr.io", "foo/bar"))),
            ("localhost:5000/app:dev", Some(("localhost:5000", "app"))),
            ("ghcr.io/", None),
        ] {
            let got = repository_of(image);
            let got = got.as_ref().map(|(r, p)| (r.as_str(), p.as_str()));
            assert_eq!(got, want, "{image}");
        }
    }
}
