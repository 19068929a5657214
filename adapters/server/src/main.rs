//! `medsync-server`: the MedSync REST API over the in-memory backend (PostgreSQL and MongoDB
//! to follow). `cargo run -p medsync-server -- --dev` serves on 127.0.0.1:8080.

mod backend;
mod cli;
mod seed;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser as _;
use medsync_core::auth::{Argon2Hasher, MIN_JWT_SECRET_BYTES};
use medsync_core::service::Config;
use medsync_core::MedSync;
use medsync_http::{AppState, BlockingHasher, HttpConfig, RateLimitConfig, RateQuota};
use rand::RngCore as _;
use tracing_subscriber::EnvFilter;

use crate::cli::{Args, ADMIN_PASSWORD_ENV, JWT_SECRET_ENV};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not in log files or the journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("medsync-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    if args.seed_appointments.is_some() && !args.dev {
        return Err("--seed-appointments is for development only; add --dev".into());
    }
    let secret = jwt_secret(args.dev)?;
    let backend = backend::open(args.database_url.as_deref()).await?;
    tracing::info!(backend = backend.name, "storage ready");
    let config = Config {
        max_upload_bytes: args.max_upload_bytes,
        ..Config::default()
    };
    let svc = MedSync::builder(backend.store.clone(), secret)
        .notifier(backend.notifier.clone())
        .hasher(Arc::new(BlockingHasher::new(Argon2Hasher::owasp())))
        .files(backend.files.clone())
        .config(config)
        .build()
        .map_err(|e| format!("cannot build the service: {e}"))?;

    let admin = bootstrap_admin(&svc, &args).await?;
    if args.seed_demo {
        let logins = seed::seed(&svc, admin.as_ref().map(|(e, p)| (e.as_str(), p.as_str())))
            .await
            .map_err(|e| format!("cannot seed the demo data: {e}"))?;
        println!("demo logins (password for all: {:?}):", seed::DEMO_PASSWORD);
        for l in logins {
            println!("  {:<8} {:<16} {}", l.role.as_str(), l.name, l.email);
        }
    }

    if let Some(n) = args.seed_appointments {
        let started = std::time::Instant::now();
        let admin = admin.as_ref().map(|(e, p)| (e.as_str(), p.as_str()));
        let seeded = seed::seed_appointments(&svc, admin, n)
            .await
            .map_err(|e| format!("cannot seed appointments: {e}"))?;
        println!(
            "seeded {} appointments (doctors: {}, patients: {}) in {:.1} s",
            seeded.appointments,
            seeded.doctors,
            seeded.patients,
            started.elapsed().as_secs_f64()
        );
    }

    let state = AppState::new(svc.clone(), backend.live.clone(), http_config(&args));
    let app = medsync_http::router(state);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    println!("listening on http://{addr} (docs: http://{addr}/api/docs)");
    tracing::info!(%addr, "listening");

    let sweeper = tokio::spawn(expire_holds(
        svc,
        Duration::from_secs(args.expire_holds_every_secs.max(1)),
    ));
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    sweeper.abort();
    tracing::info!("stopped");
    served.map_err(|e| format!("server error: {e}"))
}

/// The JWT secret: `MEDSYNC_JWT_SECRET`, or with `--dev` an ephemeral random one.
fn jwt_secret(dev: bool) -> Result<Vec<u8>, String> {
    match std::env::var(JWT_SECRET_ENV) {
        Ok(s) if s.len() >= MIN_JWT_SECRET_BYTES => Ok(s.into_bytes()),
        Ok(_) => Err(format!(
            "{JWT_SECRET_ENV} must be at least {MIN_JWT_SECRET_BYTES} bytes"
        )),
        Err(_) if dev => {
            let mut bytes = vec![0u8; 48];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            tracing::warn!(
                "--dev: generated an ephemeral JWT secret; tokens stop working when the process exits"
            );
            Ok(bytes)
        }
        Err(_) => Err(format!(
            "{JWT_SECRET_ENV} is required (at least {MIN_JWT_SECRET_BYTES} bytes); use --dev for an ephemeral one"
        )),
    }
}

/// Creates the configured first admin if absent; returns its login for the demo seeder.
async fn bootstrap_admin(svc: &MedSync, args: &Args) -> Result<Option<(String, String)>, String> {
    let password = std::env::var(ADMIN_PASSWORD_ENV).ok();
    match (&args.admin_email, password) {
        (Some(email), Some(password)) => {
            svc.bootstrap_admin(email, &args.admin_name, &password)
                .await
                .map_err(|e| format!("cannot create the first admin: {e}"))?;
            tracing::info!("first admin is in place");
            Ok(Some((email.clone(), password)))
        }
        (None, None) => Ok(None),
        _ => Err(format!(
            "set both MEDSYNC_ADMIN_EMAIL and {ADMIN_PASSWORD_ENV} to create the first admin"
        )),
    }
}

fn http_config(args: &Args) -> HttpConfig {
    HttpConfig {
        cors_origins: args.cors_origins.clone(),
        max_upload_bytes: usize::try_from(args.max_upload_bytes).unwrap_or(usize::MAX),
        rate_limit: RateLimitConfig {
            enabled: !args.no_rate_limit,
            per_ip: RateQuota::per_minute(args.rate_limit_per_minute),
            auth_per_ip: RateQuota {
                burst: args.auth_rate_limit_per_minute.div_ceil(2).max(1),
                per_minute: args.auth_rate_limit_per_minute,
            },
            per_user: RateQuota::per_minute(args.user_rate_limit_per_minute),
            trust_forwarded_for: args.trust_forwarded_for,
            ..RateLimitConfig::default()
        },
        ..HttpConfig::default()
    }
}

/// Marks lapsed holds expired every `every`.
async fn expire_holds(svc: MedSync, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match svc.expire_holds().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired lapsed appointment holds"),
            Err(e) => tracing::warn!(error = %e, "could not expire holds"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down gracefully");
}
