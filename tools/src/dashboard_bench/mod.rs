//! The dashboard's speed at size (`vigil-tools dashboard-bench`, run by
//! scripts/bench-dashboard.sh): `seed` fills a SQLite file with 100 000 users and 1 M events
//! through the store (no HTTP) and lets the real engine runner process them; `pages` signs in
//! like a browser and fetches every page many times, printing p50/p95 per page.

mod pages;
mod seed;

use clap::Subcommand;

use crate::error::Result;

#[derive(Subcommand, Debug)]
pub enum Mode {
    /// Creates an app and stores users' events (logins, failures, attacks) spread over the
    /// last 24 hours, then runs the engine over them until every effect is stored.
    Seed {
        #[arg(long)]
        db: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
    },
    /// Signs in and fetches each dashboard page `iterations` times, one request at a time.
    Pages {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 1)]
        app: i64,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// Fails when a page's p95 is above this.
        #[arg(long)]
        max_p95_ms: Option<f64>,
    },
}

pub async fn run(mode: Mode) -> Result<()> {
    match mode {
        Mode::Seed {
            db,
            admin_token,
            users,
            events,
        } => seed::run(&db, &admin_token, users, events).await,
        Mode::Pages {
            url,
            admin_token,
            app,
            iterations,
            max_p95_ms,
        } => pages::run(&url, &admin_token, app, iterations, max_p95_ms).await,
    }
}
