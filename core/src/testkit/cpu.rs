//! Where a run's CPU time went: this process versus a local database server, from Linux's
//! `/proc`. On a machine where client and server share the cores, throughput alone cannot say
//! whose work is the limit; CPU time per operation on each side can.
//!
//! Times are user + system time in clock ticks (`USER_HZ`, 100 per second on every Linux
//! architecture), so a figure is only as precise as 10 ms over the whole run: measure runs of
//! a second or more.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::throughput::{median, Mode, Phase, MODES};

/// Clock ticks per second of the times in `/proc/<pid>/stat`.
const USER_HZ: u64 = 100;

/// CPU time used so far by this process and by a server process with its direct children
/// (PostgreSQL's postmaster and its backends; a `mongod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// This process (every thread, including finished ones).
    pub own: Duration,
    /// The server process and its living children. A child that exits between two samples
    /// takes its time with it: sample before closing connections.
    pub server: Duration,
}

impl CpuTimes {
    /// Samples this process and the server process `server_pid` with its children; `None`
    /// where `/proc` is unavailable (not Linux) or the server process is not found.
    pub fn sample(server_pid: u32) -> Option<Self> {
        let own = read_stat("/proc/self/stat")?.ticks;
        let root = read_stat(&format!("/proc/{server_pid}/stat"))?;
        let mut server = root.ticks;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            // A process may exit while the directory is read: skip what cannot be read.
            if let Some(stat) = read_stat(&format!("/proc/{pid}/stat")) {
                if stat.ppid == server_pid {
                    server += stat.ticks;
                }
            }
        }
        Some(Self {
            own: ticks(own),
            server: ticks(server),
        })
    }

    /// Mean CPU per operation between `self` (earlier) and `later` over `ops` operations.
    pub fn per_op(&self, later: &Self, ops: u64) -> CpuPerOp {
        let per =
            |a: Duration, b: Duration| b.saturating_sub(a).as_secs_f64() * 1e6 / ops.max(1) as f64;
        CpuPerOp {
            own_us: per(self.own, later.own),
            server_us: per(self.server, later.server),
        }
    }
}

/// CPU time per operation on each side, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuPerOp {
    /// This process: the client (MedSync itself, the driver, the async runtime).
    pub own_us: f64,
    /// The database server.
    pub server_us: f64,
}

impl CpuPerOp {
    /// The server's share of the CPU both sides spent, 0–1 (NaN if neither spent any).
    pub fn server_share(&self) -> f64 {
        self.server_us / (self.own_us + self.server_us)
    }
}

/// The parent of process `pid` if its command name is `name` (a check that `pid`, e.g. one a
/// database server reported, is a process of this machine and not of another pid namespace).
pub fn parent_if_named(pid: u32, name: &str) -> Option<u32> {
    let stat = read_stat(&format!("/proc/{pid}/stat"))?;
    (stat.comm == name).then_some(stat.ppid)
}

/// Whether process `pid` exists here with the command name `name`.
pub fn is_named(pid: u32, name: &str) -> bool {
    read_stat(&format!("/proc/{pid}/stat")).is_some_and(|s| s.comm == name)
}

/// Samples [`CpuTimes`] when a [`super::throughput::timed`] run's clock starts and stops.
/// Cheap to clone; every clone shares the samples.
#[derive(Debug, Clone)]
pub struct CpuClock {
    server: Option<u32>,
    samples: Arc<Mutex<[Option<CpuTimes>; 2]>>,
}

impl CpuClock {
    /// A clock for the server process `server` (`None`: a server that is not local, and
    /// [`CpuClock::per_op`] answers `None`).
    pub fn new(server: Option<u32>) -> Self {
        Self {
            server,
            samples: Arc::new(Mutex::new([None, None])),
        }
    }

    /// The `on_clock` callback for [`super::throughput::timed`].
    pub fn on_clock(&self) -> impl FnMut(Phase) + 'static {
        let clock = self.clone();
        move |phase| {
            let sample = clock.server.and_then(CpuTimes::sample);
            let i = match phase {
                Phase::Start => 0,
                Phase::Stop => 1,
            };
            clock.samples.lock().unwrap_or_else(PoisonError::into_inner)[i] = sample;
        }
    }

    /// CPU per operation between the two samples, over `ops` operations.
    pub fn per_op(&self, ops: u64) -> Option<CpuPerOp> {
        match *self.samples.lock().unwrap_or_else(PoisonError::into_inner) {
            [Some(start), Some(stop)] => Some(start.per_op(&stop, ops)),
            _ => None,
        }
    }
}

/// The [`CpuPerOp`] of every run of a comparison, by number of clients and mode; printed as a
/// table of medians. Cheap to clone; every clone shares the log.
#[derive(Debug, Clone, Default)]
pub struct CpuLog(Arc<Mutex<Vec<(usize, Mode, CpuPerOp)>>>);

impl CpuLog {
    /// Records one run.
    pub fn record(&self, clients: usize, mode: Mode, cpu: CpuPerOp) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((clients, mode, cpu));
    }

    /// Prints, per number of clients and mode, the median CPU per booking of this process and
    /// of the database `server`, and the server's share; or says why there is nothing.
    pub fn print(&self, server: &str) {
        let log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if log.is_empty() {
            println!(
                "
(no CPU split: the {server} server is not a process of this machine)"
            );
            return;
        }
        println!(
            "
CPU µs per booking (median of rounds): this process vs the {server} server"
        );
        println!(
            "{:>8} {:>8} {:>9} {:>9} {:>13}",
            "clients", "mode", "client", "server", "server share"
        );
        let mut levels: Vec<usize> = log.iter().map(|(c, _, _)| *c).collect();
        levels.dedup();
        for clients in levels {
            for mode in MODES {
                let runs = || {
                    log.iter()
                        .filter(move |(c, m, _)| *c == clients && *m == mode)
                        .map(|(_, _, cpu)| *cpu)
                };
                if runs().next().is_none() {
                    continue;
                }
                let own = median(runs().map(|c| c.own_us).collect());
                let server = median(runs().map(|c| c.server_us).collect());
                println!(
                    "{clients:>8} {:>8} {own:>9.0} {server:>9.0} {:>12.0}%",
                    mode.label(),
                    server / (own + server) * 100.0
                );
            }
        }
    }
}

/// The fields of a `/proc/<pid>/stat` line this module needs.
struct Stat {
    comm: String,
    ppid: u32,
    /// utime + stime.
    ticks: u64,
}

/// Reads `path` (a `/proc/<pid>/stat`), `None` if absent or malformed.
fn read_stat(path: &str) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(path).ok()?)
}

/// Parses a stat line: `pid (comm) state ppid … utime stime …` (fields 4, 14 and 15; the
/// command name may itself hold spaces and parentheses, so fields count from the last `)`).
fn parse_stat(line: &str) -> Option<Stat> {
    let (open, close) = (line.find('(')?, line.rfind(')')?);
    let comm = line.get(open + 1..close)?.to_owned();
    let rest = &line[close + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3 (state).
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        comm,
        ppid: u32::try_from(field(4)?).ok()?,
        ticks: field(14)? + field(15)?,
    })
}

/// `n` clock ticks as a duration.
fn ticks(n: u64) -> Duration {
    Duration::from_millis(n * 1000 / USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_from_the_last_parenthesis() {
        let line = "4242 (post gres) x) S 17 4242 4242 0 -1 4194560 1 0 0 0 \
                    250 31 0 0 20 0 1 0 100 1000 10 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(
            (s.comm.as_str(), s.ppid, s.ticks),
            ("post gres) x", 17, 281)
        );
        assert!(parse_stat("4242 (truncated").is_none());
        assert!(parse_stat("4242 (x) S notanumber").is_none());
    }

    #[test]
    fn per_op_divides_the_difference() {
        let at = |own, server| CpuTimes {
            own: Duration::from_millis(own),
            server: Duration::from_millis(server),
        };
        let cpu = at(100, 1_000).per_op(&at(300, 1_800), 1_000);
        assert_eq!((cpu.own_us, cpu.server_us), (200.0, 800.0));
        assert!((cpu.server_share() - 0.8).abs() < 1e-12);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_its_own_server_and_spends_time() {
        let me = std::process::id();
        let before = CpuTimes::sample(me).unwrap();
        // Spin until a tick is charged (bounded, so a broken reader fails instead of hanging).
        let started = std::time::Instant::now();
        let mut x = 0u64;
        let after = loop {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            let now = CpuTimes::sample(me).unwrap();
            if now.own > before.own || started.elapsed() > Duration::from_secs(30) {
                break now;
            }
        };
        assert!(after.own > before.own, "{before:?} → {after:?}");
        // The server is this process (it has no children): sampled after `own`, never less.
        assert!(after.server >= after.own);
        assert!(CpuTimes::sample(u32::MAX).is_none());
        let comm = read_stat("/proc/self/stat").unwrap().comm;
        assert!(is_named(me, &comm));
        assert!(!is_named(me, "surely-not-this-name"));
        assert!(parent_if_named(me, &comm).is_some_and(|p| p != me));
    }
}
