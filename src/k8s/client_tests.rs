use super::*;
use std::io::Write;

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    path
}

fn kubeconfig(user_section: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: one\n\
clusters:\n- name: c1\n  cluster:\n    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n\
contexts:\n- name: one\n  context:\n    cluster: c1\n    user: u1\n    namespace: shop\n\
- name: two\n  context:\n    cluster: c1\n    user: u1\n\
users:\n- name: u1\n  user:\n{user_section}"
    )
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kdeck-client-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn missing_file_is_one_clear_line() {
    let opts = ConnectOptions { kubeconfig: Some("/nonexistent/kdeck-x".into()), ..Default::default() };
    let err = connect(&opts).await.unwrap_err().to_string();
    assert_eq!(err, "cannot read kubeconfig /nonexistent/kdeck-x: No such file or directory");
}

#[tokio::test]
async fn unknown_context_is_named() {
    let dir = tempdir("ctx");
    let path = write_file(&dir, "config", &kubeconfig("    token: abc\n"));
    let opts = ConnectOptions { kubeconfig: Some(path), context: Some("foo".into()), namespace: None };
    let err = connect(&opts).await.unwrap_err().to_string();
    assert_eq!(err, "context \"foo\" not found in kubeconfig");
}

#[tokio::test]
async fn current_context_namespace_and_contexts_without_a_server() {
    let dir = tempdir("ok");
    let path = write_file(&dir, "config", &kubeconfig("    token: abc\n"));
    let opts = ConnectOptions { kubeconfig: Some(path.clone()), ..Default::default() };
    let conn = connect(&opts).await.unwrap();
    assert_eq!(conn.context, "one");
    assert_eq!(conn.default_namespace, "shop");
    assert_eq!(conn.user, "u1");
    assert_eq!(conn.cluster_server, "https://127.0.0.1:6443");
    assert_eq!(conn.contexts, vec!["one".to_owned(), "two".to_owned()]);

    let opts =
        ConnectOptions { kubeconfig: Some(path), context: Some("two".into()), namespace: Some("ops".into()) };
    let conn = connect(&opts).await.unwrap();
    assert_eq!((conn.context.as_str(), conn.default_namespace.as_str()), ("two", "ops"));
}

#[tokio::test]
async fn an_exec_plugin_that_prompts_fails_instead_of_hanging() {
    let dir = tempdir("exec");
    // Reads a line from stdin (a prompt) and fails if it gets none; writes to stderr.
    let script = write_file(
        &dir,
        "plugin.sh",
        "#!/bin/sh\necho 'Enter password:' >&2\nread answer || exit 3\necho \"{\\\"apiVersion\\\":\\\"client.authentication.k8s.io/v1\\\",\\\"kind\\\":\\\"ExecCredential\\\",\\\"status\\\":{\\\"token\\\":\\\"$answer\\\"}}\"\n",
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable\n",
        script.display()
    );
    let path = write_file(&dir, "config", &kubeconfig(&user));
    let opts = ConnectOptions { kubeconfig: Some(path), ..Default::default() };
    let err = connect(&opts).await.unwrap_err().to_string();
    assert!(err.starts_with("cannot create client:"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[tokio::test]
async fn an_exec_plugin_that_answers_works() {
    let dir = tempdir("exec-ok");
    let script = write_file(
        &dir,
        "plugin.sh",
        "#!/bin/sh\necho noise >&2\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n",
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n",
        script.display()
    );
    let path = write_file(&dir, "config", &kubeconfig(&user));
    let opts = ConnectOptions { kubeconfig: Some(path), ..Default::default() };
    assert!(connect(&opts).await.is_ok());
}

/// Found by the property tests (tests/suite/fuzz): a UTF-16 LE BOM and one more byte made kube-client's file
/// reader index past the end (a panic) instead of failing.
#[test]
fn an_odd_length_utf16_kubeconfig_is_an_error_not_a_panic() {
    let dir = tempdir("utf16");
    for bytes in [&b"\xff\xfea"[..], b"\xff\xfe[\0]\0\n", b"\xfe\xff\0a\0"] {
        let path = dir.join("config");
        std::fs::write(&path, bytes).unwrap();
        let err = read_kubeconfig(&path).unwrap_err().to_string();
        assert!(err.contains("odd number of bytes"), "{err}");
    }
    // An even-length UTF-16 file still reads.
    let text: Vec<u8> = "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let path = dir.join("config");
    std::fs::write(&path, [&b"\xff\xfe"[..], &text].concat()).unwrap();
    assert_eq!(read_kubeconfig(&path).unwrap().current_context.as_deref(), Some("a"));
}
