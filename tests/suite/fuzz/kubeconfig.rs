//! Kubeconfig files, in the encodings kube reads, down to building the client.
use std::path::Path;
use std::sync::OnceLock;

use super::mutate_bytes::*;
use super::mutate_tree::*;
use super::{Bytes, cases, run_capped};
use kdeck::k8s::client::{ConnectOptions, connect_with, read_kubeconfig};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

// 3. Kubeconfig files.

/// A throwaway self-signed P-256 certificate and its key, made for this test (CN=fuzz, 2126):
/// real PEM for the CA and client-certificate fields, so mutations reach the certificate and
/// key parsers. It guards nothing.
const FUZZ_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIUZ7pL0SZAP2ox946VC8dgEZRJ2tswCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEZnV6ejAgFw0yNjEyMDIwMDA4MDJaGA8yMTI2MTEwODAwMDgw
MlowDzENMAsGA1UEAwwEZnV6ejBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPW+
566LDvbQr9Njf8itLfKKBdXFrT5l7Jl5PQTCILtNVcIT6XFOY1rDIfJyTtzEcHsX
y1dOuBkUPg8s6YjqMOOjUzBRMB0GA1UdDgQWBBT5i9LHJN4J10CDvRhrx0/8JRdP
9jAfBgNVHSMEGDAWgBT5i9LHJN4J10CDvRhrx0/8JRdP9jAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCID1gh9cQhR28OIFEAEll53s3GU7TT3qC2Svq
k8ecGnFyAiEA0EsGuahzDEkXDYE+q0V7onvt+mKOKJxkMoRWndxbp1I=
-----END CERTIFICATE-----
";
const FUZZ_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/IVmrR5bcVjF5wl6
nzB6gOxgs8u4XkFstwzfg2J0iryhRANCAAT1vueuiw720K/TY3/IrS3yigXVxa0+
ZeyZeT0EwiC7TVXCE+lxTmNawyHyck7cxHB7F8tXTrgZFD4PLOmI6jDj
-----END PRIVATE KEY-----
";

fn b64(text: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A kubeconfig with the fields kdeck and kube read: two clusters (CA data, an insecure one
/// with a proxy), token, basic-auth and client-certificate users, contexts with namespaces.
/// Servers are on port 1 of localhost; nothing is contacted (building a client does not).
fn kubeconfig_yaml(ca: &[u8], cert: &[u8], key: &[u8]) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:1
    certificate-authority-data: {ca}
    tls-server-name: kubernetes
- name: c2
  cluster:
    server: https://[::1]:1/prefix/
    insecure-skip-tls-verify: true
    proxy-url: http://127.0.0.1:1
    extensions:
    - name: x
      extension: {{a: 1}}
users:
- name: token
  user:
    token: abc.def
- name: basic
  user:
    username: admin
    password: hunter2
- name: certs
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: main
  context: {{cluster: c1, user: certs, namespace: shop}}
- name: other
  context:
    cluster: c2
    user: token
- name: prod-eu-1
  context: {{cluster: c1, user: basic}}
current-context: main
preferences: {{}}
",
        ca = b64(ca),
        cert = b64(cert),
        key = b64(key),
    )
}

fn kubeconfig_sample() -> String {
    kubeconfig_yaml(FUZZ_CERT_PEM.as_bytes(), FUZZ_CERT_PEM.as_bytes(), FUZZ_KEY_PEM.as_bytes())
}

/// A kubeconfig file's bytes: the YAML byte-edited or tree-edited, its embedded PEM (CA,
/// client certificate or key) byte-edited before encoding, then written in one of the
/// encodings kube reads (UTF-8, with or without a BOM, or UTF-16 LE/BE with their BOMs).
fn kubeconfig_input() -> impl Strategy<Value = Vec<u8>> {
    let sample = kubeconfig_sample();
    let tree_sample: Value = serde_yaml::from_str(&sample).unwrap();
    let pem = |pem: &'static str| mutated_bytes(pem.as_bytes().to_vec());
    let text = prop_oneof![
        3 => mutated_bytes(sample.clone().into_bytes()),
        3 => mutated_tree(tree_sample).prop_map(|v| serde_yaml::to_string(&v).unwrap_or_default().into_bytes()),
        1 => pem(FUZZ_CERT_PEM).prop_map(|ca| kubeconfig_yaml(&ca, FUZZ_CERT_PEM.as_bytes(), FUZZ_KEY_PEM.as_bytes()).into_bytes()),
        1 => pem(FUZZ_CERT_PEM).prop_map(|c| kubeconfig_yaml(FUZZ_CERT_PEM.as_bytes(), &c, FUZZ_KEY_PEM.as_bytes()).into_bytes()),
        1 => pem(FUZZ_KEY_PEM).prop_map(|k| kubeconfig_yaml(FUZZ_CERT_PEM.as_bytes(), FUZZ_CERT_PEM.as_bytes(), &k).into_bytes()),
        1 => vec(any::<u8>(), 0..512),
    ];
    (text, 0u8..5, any::<bool>()).prop_map(|(text, encoding, trim)| {
        let utf16 = |big: bool| {
            let units: Vec<u16> = String::from_utf8_lossy(&text).encode_utf16().collect();
            let mut out = if big { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            for u in units {
                out.extend(if big { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            // A file cut short (a partial write, a copy that stopped) ends mid-unit.
            if trim {
                out.pop();
            }
            out
        };
        match encoding {
            0 | 1 => text,
            2 => [&b"\xef\xbb\xbf"[..], &text].concat(),
            3 => utf16(false),
            _ => utf16(true),
        }
    })
}

/// The sample with a "billion laughs" in a cluster extension (kube keeps extensions as JSON
/// values, so every alias is expanded): `levels` anchors, each a list of `fanout` aliases of
/// the one before, `fanout^levels` strings in all.
fn alias_bomb(sample: &str, levels: usize, fanout: usize) -> String {
    let mut bomb = String::from("      extension:\n        l0: &l0 [lol]\n");
    for level in 1..=levels {
        let refs = vec![format!("*l{}", level - 1); fanout].join(", ");
        bomb.push_str(&format!("        l{level}: &l{level} [{refs}]\n"));
    }
    sample.replace("      extension: {a: 1}\n", &bomb)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap())
}

/// The file read the way kdeck reads `--kubeconfig`, then the client built for a context.
/// Exec plugins and auth providers run programs: they are dropped before connecting.
fn exercise_kubeconfig(dir: &Path, bytes: &[u8], context: Option<String>, namespace: Option<String>) {
    let path = dir.join("config");
    std::fs::write(&path, bytes).unwrap();
    let Ok(mut kubeconfig) = read_kubeconfig(&path) else { return };
    for auth in &mut kubeconfig.auth_infos {
        if let Some(info) = auth.auth_info.as_mut() {
            info.exec = None;
            info.auth_provider = None;
        }
    }
    let opts = ConnectOptions { kubeconfig: None, context, namespace };
    if let Ok(connection) = runtime().block_on(connect_with(Some(kubeconfig), &opts)) {
        let _ = format!("{connection:?} {:?}", connection.contexts);
    }
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn kubeconfig_never_panics(
        bytes in kubeconfig_input().prop_map(Bytes),
        context in proptest::option::of(prop_oneof![select(&["main", "other", "prod-eu-1", "nope", ""][..]).prop_map(str::to_string), any::<String>()]),
        namespace in proptest::option::of(any::<String>()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        exercise_kubeconfig(dir.path(), &bytes.0, context, namespace);
    }

    #[test]
    fn kubeconfig_yaml_text_never_panics(text in any::<String>()) {
        let _ = kube::config::Kubeconfig::from_yaml(&text);
    }
}

/// serde-saphyr stops an expansion at 250,001 nodes, which takes most of a second in a debug
/// build: a few cases, and at most 64 however many PROPTEST_CASES asks for.
#[test]
fn kubeconfig_alias_bombs_end() {
    let sample = kubeconfig_sample();
    assert!(sample.contains("      extension: {a: 1}\n"));
    run_capped(6, 64, (1usize..20, 2usize..12), |(levels, fanout)| {
        let dir = tempfile::tempdir().unwrap();
        exercise_kubeconfig(dir.path(), alias_bomb(&sample, levels, fanout).as_bytes(), None, None);
        Ok(())
    });
}
