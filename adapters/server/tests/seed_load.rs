//! `--seed-appointments` (the load test's seeding flag), run as a process.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_medsync-server");
const ADMIN_EMAIL: &str = "seed-admin@load.example";
const ADMIN_PASSWORD: &str = "plum kettle orbit lantern";

fn server(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MEDSYNC_JWT_SECRET")
        .env_remove("MEDSYNC_BIND")
        .env("MEDSYNC_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("MEDSYNC_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_appointments_is_refused_without_dev() {
    let out = server(&["--seed-appointments", "10", "--bind", "127.0.0.1:0"])
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--seed-appointments is for development only"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_server_seeds_bookable_appointments_visible_through_the_api() {
    let mut child = server(&[
        "--dev",
        "--seed-appointments",
        "1200",
        "--bind",
        "127.0.0.1:0",
    ])
    .spawn()
    .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seeded = None;
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(rest) = line.strip_prefix("listening on ") {
                return rest.split_whitespace().next().expect("url").to_owned();
            }
            if line.starts_with("seeded ") {
                seeded = Some(line);
            }
        }
        let mut err = String::new();
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .await;
        panic!("server exited before listening: {err}");
    };
    let base = tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("listening within 120 s");
    let seeded = seeded.expect("a 'seeded …' line");
    assert!(
        seeded.starts_with("seeded 1200 appointments (doctors: 1, patients: 10)"),
        "{seeded}"
    );

    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("token").to_owned();
    let mut count = 0;
    let mut first = None;
    for offset in (0..).step_by(500) {
        let page: Value = http
            .get(format!("{base}/api/appointments?limit=500&offset={offset}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().expect("items");
        if items.is_empty() {
            break;
        }
        first = first.or_else(|| Some(items[0].clone()));
        assert!(items.iter().all(|a| a["status"] == "pending"));
        count += items.len();
    }
    assert_eq!(count, 1200);

    // The seeded doctor's calendar is real: its first taken slot conflicts.
    let first = first.expect("an appointment");
    let again = http
        .post(format!("{base}/api/appointments"))
        .bearer_auth(&token)
        .json(&json!({
            "doctor_id": first["doctor_id"],
            "patient_id": first["patient_id"],
            "start": first["start"],
            "end": first["end"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}
