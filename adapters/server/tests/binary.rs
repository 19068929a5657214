//! The `medsync-server` binary, run as a process. Live notifications between two processes
//! on one database are in [`cross_process`].

#[path = "binary/cross_process.rs"]
mod cross_process;

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_medsync-server");

fn server(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MEDSYNC_JWT_SECRET")
        .env_remove("MEDSYNC_ADMIN_EMAIL")
        .env_remove("MEDSYNC_ADMIN_PASSWORD")
        .env_remove("MEDSYNC_BIND")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Reads stdout until the "listening on" line; returns the base URL and the lines before.
async fn wait_listening(child: &mut Child) -> (String, Vec<String>) {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(rest) = line.strip_prefix("listening on ") {
                let url = rest.split_whitespace().next().expect("url").to_owned();
                return url;
            }
            seen.push(line);
        }
        panic!("server exited before listening: {seen:?}");
    };
    let url = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("listening within 60 s");
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_server_seeds_demo_data_and_shuts_down_on_sigterm() {
    let mut child = server(&["--dev", "--seed-demo", "--bind", "127.0.0.1:0"])
        .spawn()
        .expect("spawn");
    let (base, printed) = wait_listening(&mut child).await;
    let printed = printed.join("\n");
    assert!(
        printed.contains("jordan.lee@demo-mail.example"),
        "{printed}"
    );
    assert!(
        printed.contains("amara.okafor@demo-clinic.example"),
        "{printed}"
    );

    let http = reqwest::Client::new();
    let health: Value = http
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let login = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": "jordan.lee@demo-mail.example", "password": "maple harbor signal lantern" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let doctors: Value = http
        .get(format!("{base}/api/doctors"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doctors = doctors.as_array().unwrap();
    assert_eq!(doctors.len(), 3, "{doctors:?}");
    let id = doctors[0]["id"].as_str().unwrap();
    let availability: Value = http
        .get(format!("{base}/api/doctors/{id}/availability"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(availability["timezone"], "America/New_York");

    let pid = child.id().expect("pid").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits within 30 s")
        .expect("wait");
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_start_without_a_secret_or_with_a_database_url() {
    let out = server(&["--bind", "127.0.0.1:0"])
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MEDSYNC_JWT_SECRET is required"), "{err}");

    // Unreachable databases: the server refuses to start and never prints the password.
    for url in [
        "postgres://medsync:hunter2@127.0.0.1:1/medsync?connect_timeout=1",
        "mongodb://medsync:hunter2@127.0.0.1:1/medsync?serverSelectionTimeoutMS=500&connectTimeoutMS=500",
    ] {
        let out = server(&["--dev", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", url)
            .output()
            .await
            .expect("run");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("DATABASE_URL") || err.contains("PostgreSQL") || err.contains("MongoDB"), "{err}");
        assert!(
            !err.contains("hunter2"),
            "the URL's password is never printed: {err}"
        );
    }

    let out = server(&["--bind", "127.0.0.1:0"])
        .env("MEDSYNC_JWT_SECRET", "too-short")
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 bytes"));
}
