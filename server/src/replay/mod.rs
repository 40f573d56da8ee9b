//! `vigil-server replay`: runs the stored event log of a window through two engines per
//! app, one built from the current configuration and one from a candidate, exactly as the
//! engine runner builds and ticks them (pipeline.rs), and reports what the candidate would
//! change. The database is opened read-only; nothing is written, sent or enforced.
//!
//! Both engines start empty at the window's first event, as the runner's do after a restart
//! with that much retained: a detector window open before it is not seen.

pub mod compare;
pub mod record;
pub mod report;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use vigil_engine::keys::format_user;
use vigil_engine::{DurationMs, EngineConfig};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::pipeline::{load_data, Runner, CHUNK};
use crate::store::reader::open_read_only;
use crate::store::TailEvent;
use record::{Logins, Run};
use report::{AppRun, Report};

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub db: String,
    /// The current configuration file; `None`: what `serve` runs without `--config`.
    pub current: Option<PathBuf>,
    pub candidate: PathBuf,
    pub since: DurationMs,
    /// One app by name; every app otherwise.
    pub app: Option<String>,
    /// Examples per list.
    pub examples: usize,
    /// The window ends here (events stored up to the start of the run are replayed); its
    /// start is `now_ms - since`.
    pub now_ms: i64,
}

/// One app's replay so far.
#[derive(Default)]
struct AppReplay {
    events: u64,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    current: Run,
    candidate: Run,
    logins: Logins,
}

fn engine_config(path: Option<&Path>) -> Result<EngineConfig> {
    // Read as `serve` reads it: the whole file is checked, the [engine] table is used.
    Ok(Config::load(path)?.engine)
}

fn label(path: Option<&Path>) -> String {
    path.map_or_else(|| "built-in defaults".into(), |p| p.display().to_string())
}

pub async fn replay(opts: &ReplayOptions) -> Result<Report> {
    let (current, candidate) = (
        engine_config(opts.current.as_deref())?,
        engine_config(Some(&opts.candidate))?,
    );
    let runner = |config: EngineConfig| -> Result<Runner> {
        let (lists, geo) = load_data(&config)?;
        Ok(Runner::new(config, lists, geo))
    };
    let mut runners = [runner(current)?, runner(candidate)?];
    let reader = open_read_only(&opts.db).await?;
    let mut apps = reader.app_names().await?;
    if let Some(name) = &opts.app {
        apps.retain(|(_, n)| n == name);
        if apps.is_empty() {
            return Err(Error::Config(format!("no app named {name:?}")));
        }
    }
    let only = opts.app.as_ref().map(|_| apps[0].0);
    let since_ms = opts.now_ms.saturating_sub(opts.since.ms());
    let mut replays: BTreeMap<i64, AppReplay> = BTreeMap::new();
    let head = reader.head().await?;
    let mut last = 0;
    loop {
        let events = reader
            .events_window(last, head, since_ms, only, CHUNK)
            .await?;
        let Some(end) = events.last() else {
            break;
        };
        last = end.seq;
        step(&mut runners, &events, &mut replays);
    }
    let mut report = Report {
        since: opts.since.to_string(),
        since_ms,
        current: label(opts.current.as_deref()),
        candidate: label(Some(&opts.candidate)),
        apps: Vec::new(),
    };
    for (id, name) in &apps {
        let r = replays.remove(id).unwrap_or_default();
        let comparison = compare::compare(&r.current, &r.candidate, &r.logins);
        let mut displays = HashMap::new();
        for user in compare::users_shown(&comparison, opts.examples) {
            if let Some(d) = reader.display(*id, &format_user(user)).await? {
                displays.insert(user, d);
            }
        }
        let run = AppRun {
            app_id: *id,
            app: name,
            events: r.events,
            first_ms: r.first_ms,
            last_ms: r.last_ms,
            current: &r.current,
            candidate: &r.candidate,
            comparison: &comparison,
            displays: &displays,
        };
        report.apps.push(run.report(opts.examples));
    }
    Ok(report)
}

/// Feeds one chunk to both sides' engines, then ticks them, as `Pipeline::step` does.
fn step(runners: &mut [Runner; 2], events: &[TailEvent], replays: &mut BTreeMap<i64, AppReplay>) {
    let mut latest: HashMap<i64, i64> = HashMap::new();
    for ev in events {
        let r = replays.entry(ev.app_id).or_default();
        r.events += 1;
        r.first_ms = Some(r.first_ms.map_or(ev.ts_ms, |t| t.min(ev.ts_ms)));
        r.last_ms = Some(r.last_ms.map_or(ev.ts_ms, |t| t.max(ev.ts_ms)));
        r.logins.record(ev);
        let [current, candidate] = runners;
        // Whether the engine takes the event does not depend on its configuration.
        if !current.feed(ev) || !candidate.feed(ev) {
            continue;
        }
        r.current.record(current.effects());
        r.candidate.record(candidate.effects());
        let t = latest.entry(ev.app_id).or_insert(ev.ts_ms);
        *t = (*t).max(ev.ts_ms);
    }
    for runner in runners {
        runner.tick(&latest);
    }
}
