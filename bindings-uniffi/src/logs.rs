//! The core's log records for SLF4J: a JVM daemon thread waits here for them, so the core's
//! worker never calls into the JVM.

use vigil_core::log_queue;

#[derive(uniffi::Record)]
pub struct LogRecord {
    /// 1 error, 2 warn, 3 info, 4 debug, 5 trace.
    pub rank: i8,
    pub message: String,
}

/// Installs the queue as this library's subscriber and records up to `max_rank`.
#[uniffi::export]
pub fn logs_install(max_rank: i8) {
    log_queue::install();
    log_queue::set_max_rank(u8::try_from(max_rank).unwrap_or(1));
}

/// The records queued, waiting up to `wait_ms` for a first one; a drop count comes first.
#[uniffi::export]
pub fn logs_next(wait_ms: i64) -> Vec<LogRecord> {
    let wait = std::time::Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0));
    let (records, dropped) = log_queue::wait(wait);
    let mut out = Vec::with_capacity(records.len() + 1);
    if dropped > 0 {
        out.push(LogRecord {
            rank: 2,
            message: format!("{dropped} Vigil log records were dropped"),
        });
    }
    out.extend(records.into_iter().map(|(rank, message)| LogRecord {
        rank: rank as i8,
        message,
    }));
    out
}
