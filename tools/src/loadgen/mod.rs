//! Load generator for the benchmarks in docs/server.md (`vigil-tools loadgen`): batch ingest
//! throughput and ack latency, and decision propagation to many long polls.

mod batches;
mod ingest;
mod poll;

use clap::Subcommand;

use crate::error::Result;

#[derive(Subcommand, Debug)]
pub enum Mode {
    /// Posts pre-built gzip batches from several connections; prints events/s and latency.
    Ingest {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long, default_value_t = 50_000)]
        users: usize,
    },
    /// Holds N long polls, creates decisions through the admin API and measures how long each
    /// takes to reach every poller.
    Poll {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        /// A second instance to create decisions on (default: the same as --url).
        #[arg(long)]
        admin_url: Option<String>,
        #[arg(long)]
        token: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long)]
        app: i64,
        #[arg(long, default_value_t = 1000)]
        pollers: usize,
        #[arg(long, default_value_t = 20)]
        decisions: usize,
        #[arg(long, default_value_t = 250)]
        interval_ms: u64,
    },
}

pub async fn run(mode: Mode) -> Result<()> {
    match mode {
        Mode::Ingest {
            url,
            token,
            events,
            batch,
            concurrency,
            users,
        } => ingest::run(&url, &token, events, batch, concurrency, users).await,
        Mode::Poll {
            url,
            admin_url,
            token,
            admin_token,
            app,
            pollers,
            decisions,
            interval_ms,
        } => {
            let admin_url = admin_url.unwrap_or_else(|| url.clone());
            poll::run(
                &url,
                &admin_url,
                &token,
                &admin_token,
                app,
                pollers,
                decisions,
                interval_ms,
            )
            .await
        }
    }
}
