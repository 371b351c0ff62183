//! Drives the real `conda-credential-helper audit` over trees and image tarballs built here:
//! a `docker save` tarball with an uncompressed layer, and OCI layouts with gzip and zstd
//! layers, each with and without the key.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// The key that `audit` looks for. `+`, `/` and `~` make its encodings differ.
const KEY: &str = "audit-SECRETMARK+key/0123~4567";

/// Part of the key that must never appear in the output.
const MARK: &str = "SECRETMARK";

const TIMEOUT: Duration = Duration::from_secs(60);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `audit` on `paths` with the key in the environment, from the directory `work`.
fn audit(work: &Path, paths: &[&Path]) -> Run {
    audit_with_env(work, paths, &[("ANACONDA_AUTH_API_KEY", KEY)])
}

fn audit_with_env(work: &Path, paths: &[&Path], vars: &[(&str, &str)]) -> Run {
    let output_dir = tempfile::tempdir().unwrap();
    let stdout_path = output_dir.path().join("stdout");
    let stderr_path = output_dir.path().join("stderr");
    let mut child = Command::new(BIN)
        .arg("audit")
        .args(paths)
        .env_clear()
        .env("ANACONDA_SECRETS_DIR", work.join("no-secrets"))
        .envs(vars.iter().copied())
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).unwrap())
        .stderr(fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start the helper");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("audit did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: status.code(),
        stdout: fs::read_to_string(&stdout_path).unwrap(),
        stderr: fs::read_to_string(&stderr_path).unwrap(),
    };
    assert!(
        !run.stdout.contains(MARK),
        "stdout shows the key: {}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(MARK),
        "stderr shows the key: {}",
        run.stderr
    );
    run
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Returns `text` with the key at byte `offset`, after `offset` filler bytes.
fn with_key_at(offset: usize) -> String {
    format!("{}{KEY} and more text\n", "x".repeat(offset))
}

// Trees of plain files.

#[test]
fn tree_with_each_form_found() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    fs::create_dir_all(tree.join("nested/deeper")).unwrap();
    fs::write(tree.join("plain.txt"), with_key_at(10)).unwrap();
    let auth = STANDARD.encode(format!("user:{KEY}"));
    let config = format!(r#"{{"auths":{{"registry.example":{{"auth":"{auth}"}}}}}}"#);
    fs::write(tree.join("nested/config.json"), config).unwrap();
    let header = URL_SAFE_NO_PAD.encode(format!("Bearer {KEY}"));
    fs::write(tree.join("nested/deeper/header.txt"), header).unwrap();
    let url = format!("https://conda.anaconda.org/t/{KEY}/channel/noarch/repodata.json\n");
    fs::write(tree.join("nested/history"), url).unwrap();
    fs::write(tree.join("nested/clean.txt"), "nothing here\n").unwrap();

    let run = audit(work.path(), &[&tree]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let root = tree.display();
    assert_eq!(
        lines(&run.stdout),
        vec![
            format!("{root}/nested/config.json: the key in base64 at byte 45"),
            format!("{root}/nested/deeper/header.txt: the key in URL-safe base64 at byte 10"),
            format!("{root}/nested/history: the key as a /t/<token>/ URL token at byte 26"),
            format!("{root}/plain.txt: the key in plain text at byte 10"),
        ]
    );
    assert!(
        run.stderr.contains("audit: found the API key ****4567 (from environment variable ANACONDA_AUTH_API_KEY) 4 times in 5 files"),
        "{}",
        run.stderr
    );
}

#[test]
fn base64_found_at_three_alignments() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("encoded.txt");
    let mut text = String::new();
    for prefix in ["", "a", "ab"] {
        text.push_str(&STANDARD.encode(format!("{prefix}{KEY}")));
        text.push('\n');
    }
    fs::write(&file, &text).unwrap();

    let run = audit(work.path(), &[&file]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert_eq!(lines(&run.stdout).len(), 3, "{}", run.stdout);
    for line in lines(&run.stdout) {
        assert!(line.contains(": the key in base64 at byte "), "{line}");
    }
}

#[test]
fn clean_tree_exits_zero() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    fs::write(tree.join("a.txt"), "audit-SECRETMARK+key/0123~456 almost\n").unwrap();
    fs::write(tree.join("sub/b.bin"), [0u8, 1, 2, 255]).unwrap();

    let run = audit(work.path(), &[&tree]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "audit: no trace of the API key ****4567 (from environment variable ANACONDA_AUTH_API_KEY) in 2 files and archive members\n"
    );
}

#[test]
fn fifo_in_tree_is_skipped() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    fs::create_dir(&tree).unwrap();
    let status = Command::new("mkfifo")
        .arg(tree.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    fs::write(tree.join("a.txt"), "clean\n").unwrap();

    let run = audit(work.path(), &[&tree]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("in 1 files"), "{}", run.stderr);
}

#[test]
fn key_source_file_is_skipped() {
    let work = tempfile::tempdir().unwrap();
    let secrets = work.path().join("secrets");
    fs::create_dir(&secrets).unwrap();
    fs::write(secrets.join("ANACONDA_AUTH_API_KEY"), KEY).unwrap();
    let secrets_var = secrets.display().to_string();

    let run = audit_with_env(
        work.path(),
        &[work.path()],
        &[("ANACONDA_SECRETS_DIR", &secrets_var)],
    );

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let skipped = format!(
        "warning: skipped {secrets_var}/ANACONDA_AUTH_API_KEY: it is the file a credential was read from"
    );
    assert!(run.stderr.contains(&skipped), "{}", run.stderr);
}

#[test]
fn key_in_symlink_target_found() {
    let work = tempfile::tempdir().unwrap();
    let link = work.path().join("link");
    std::os::unix::fs::symlink(format!("/t/{KEY}/x"), &link).unwrap();

    let run = audit(work.path(), &[work.path()]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "{}: the key as a /t/<token>/ URL token in the name\n",
        link.display()
    );
    assert_eq!(run.stdout, expected);
}

// Failures and usage.

#[test]
fn missing_path_is_incomplete() {
    let work = tempfile::tempdir().unwrap();
    let missing = work.path().join("missing");

    let run = audit(work.path(), &[&missing]);

    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    let warning = format!(
        "warning: failed to read {}: No such file",
        missing.display()
    );
    assert!(run.stderr.contains(&warning), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 places could not be read"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_key_is_error() {
    let work = tempfile::tempdir().unwrap();

    let run = audit_with_env(work.path(), &[work.path()], &[]);

    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: no API key found"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_paths_is_usage_error() {
    let work = tempfile::tempdir().unwrap();

    let run = audit(work.path(), &[]);

    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("<PATH>"), "{}", run.stderr);
}

// Image tarballs.

/// Returns a tar archive of `files`, each a path and its content.
fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Returns a `docker save` tarball (the layout before Docker 25) with one uncompressed layer.
fn docker_save_image(layer: &[u8]) -> Vec<u8> {
    let config = br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"]}}"#;
    let manifest =
        br#"[{"Config":"cfg.json","RepoTags":["leak:test"],"Layers":["3f2a/layer.tar"]}]"#;
    tar_of(&[
        ("3f2a/VERSION", b"1.0"),
        ("3f2a/json", b"{}"),
        ("3f2a/layer.tar", layer),
        ("cfg.json", config),
        ("manifest.json", manifest),
    ])
}

/// Returns an OCI image layout tarball with a gzip layer and a zstd layer.
fn oci_image(gzip_layer: &[u8], zstd_layer: &[u8]) -> (Vec<u8>, String, String) {
    let gzip_blob = gzip(gzip_layer);
    let zstd_blob = zstd(zstd_layer);
    let gzip_digest = sha256_hex(&gzip_blob);
    let zstd_digest = sha256_hex(&zstd_blob);
    let manifest = format!(
        r#"{{"schemaVersion":2,"layers":[
            {{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:{gzip_digest}"}},
            {{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:{zstd_digest}"}}]}}"#
    );
    let manifest_digest = sha256_hex(manifest.as_bytes());
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{manifest_digest}"}}]}}"#
    );
    let gzip_path = format!("blobs/sha256/{gzip_digest}");
    let zstd_path = format!("blobs/sha256/{zstd_digest}");
    let manifest_path = format!("blobs/sha256/{manifest_digest}");
    let tarball = tar_of(&[
        ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        ("index.json", index.as_bytes()),
        (&manifest_path, manifest.as_bytes()),
        (&gzip_path, &gzip_blob),
        (&zstd_path, &zstd_blob),
    ]);
    (tarball, gzip_path, zstd_path)
}

#[test]
fn docker_save_layer_leak_found() {
    let work = tempfile::tempdir().unwrap();
    let key_file = with_key_at(5);
    let layer = tar_of(&[
        ("etc/motd", b"hello\n"),
        ("root/.netrc", key_file.as_bytes()),
    ]);
    let image = work.path().join("image.tar");
    fs::write(&image, docker_save_image(&layer)).unwrap();

    let run = audit(work.path(), &[&image]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "{}: layer 3f2a/layer.tar: root/.netrc: the key in plain text at byte 5\n",
        image.display()
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn oci_gzip_and_zstd_layer_leaks_found() {
    let work = tempfile::tempdir().unwrap();
    let encoded = STANDARD.encode(format!("Bearer {KEY}"));
    let gzip_layer = tar_of(&[
        ("opt/conda/.condarc", b"channels: []\n"),
        ("app/log", encoded.as_bytes()),
    ]);
    let url = format!("url: https://conda.anaconda.org/t/{KEY}/main\n");
    let zstd_layer = tar_of(&[("env/conda-meta/history", url.as_bytes())]);
    let (tarball, gzip_path, zstd_path) = oci_image(&gzip_layer, &zstd_layer);
    let image = work.path().join("oci.tar");
    fs::write(&image, tarball).unwrap();

    let run = audit(work.path(), &[&image]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let image = image.display();
    assert_eq!(
        lines(&run.stdout),
        vec![
            format!("{image}: layer {gzip_path} (gzip): app/log: the key in base64 at byte 10"),
            format!(
                "{image}: layer {zstd_path} (zstd): env/conda-meta/history: the key as a /t/<token>/ URL token at byte 31"
            ),
        ]
    );
}

#[test]
fn clean_images_exit_zero() {
    let work = tempfile::tempdir().unwrap();
    let layer = tar_of(&[("etc/motd", b"hello\n")]);
    let docker = work.path().join("docker.tar");
    fs::write(&docker, docker_save_image(&layer)).unwrap();
    let (tarball, _, _) = oci_image(&layer, &tar_of(&[("bin/tool", b"\x7fELF")]));
    let oci = work.path().join("oci.tar");
    fs::write(&oci, tarball).unwrap();

    let run = audit(work.path(), &[&docker, &oci]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("audit: no trace of"),
        "{}",
        run.stderr
    );
}

#[test]
fn corrupt_layer_is_incomplete() {
    let work = tempfile::tempdir().unwrap();
    let mut blob = gzip(&tar_of(&[("etc/motd", b"hello\n")]));
    let middle = blob.len() / 2;
    blob.truncate(middle);
    let image = work.path().join("broken.tar");
    fs::write(&image, tar_of(&[("blobs/sha256/00ff", &blob)])).unwrap();

    let run = audit(work.path(), &[&image]);

    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    let warning = format!(
        "warning: failed to read {}: layer blobs/sha256/00ff (gzip)",
        image.display()
    );
    assert!(run.stderr.contains(&warning), "{}", run.stderr);
}

#[test]
fn key_in_names_masked() {
    let work = tempfile::tempdir().unwrap();
    // The key contains a slash, so this is two nested directories.
    let dir = work.path().join(format!("cache-{KEY}"));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("leak.txt"), KEY).unwrap();
    let member = format!("pkgs/{KEY}/info.json");
    let image = work.path().join("image.tar");
    fs::write(&image, tar_of(&[(&member, b"clean")])).unwrap();

    let run = audit(work.path(), &[work.path()]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let root = work.path().display();
    assert_eq!(
        lines(&run.stdout),
        vec![
            format!("{root}/cache-****/leak.txt: the key in plain text at byte 0"),
            format!("{root}/image.tar: pkgs/****/info.json: the key in plain text in the name"),
        ]
    );
}

#[test]
fn corrupt_tar_header_warning_one_line() {
    let work = tempfile::tempdir().unwrap();
    let mut tarball = tar_of(&[("etc/motd", b"hello\n")]);
    // The checksum field of the first header, at bytes 148..156, gets a line break.
    tarball[148..156].copy_from_slice(b"k\x02\xff\n\xfe\n12");
    let image = work.path().join("corrupt.tar");
    fs::write(&image, tarball).unwrap();

    let run = audit(work.path(), &[&image]);

    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    let warning = format!("warning: failed to read {}: ", image.display());
    assert!(run.stderr.starts_with(&warning), "{}", run.stderr);
    assert!(run.stderr.contains("\\n"), "{}", run.stderr);
}

#[test]
fn repo_tokens_from_keyring_searched() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let token_a = "org-a-SECRETMARK-token-1111";
    let token_b = "org-b-SECRETMARK-token-2222";
    let record = serde_json::json!({"repo_tokens": [
        {"token": token_a, "org_name": "org-a"},
        {"token": token_b, "org_name": "org-b"},
    ]});
    let keyring = serde_json::json!({"Anaconda Cloud": {"anaconda.com": STANDARD.encode(record.to_string())}});
    fs::create_dir_all(home.join(".anaconda")).unwrap();
    fs::write(home.join(".anaconda/keyring"), keyring.to_string()).unwrap();
    fs::write(
        work.path().join("log.txt"),
        format!("Authorization: token {token_b}\n"),
    )
    .unwrap();
    let home_var = home.display().to_string();

    let run = audit_with_env(work.path(), &[work.path()], &[("HOME", &home_var)]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "{}/log.txt: the key in plain text at byte 21\n",
        work.path().display()
    );
    assert_eq!(run.stdout, expected);
    let skipped = format!(
        "warning: skipped {home_var}/.anaconda/keyring: it is the file a credential was read from"
    );
    assert!(run.stderr.contains(&skipped), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the repo token ****1111 (from keyring file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the repo token ****2222 (from keyring file"),
        "{}",
        run.stderr
    );
}
