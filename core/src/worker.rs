//! The one background thread per process: started lazily by the first event, stopped around
//! `fork()`, flushed and shut down with deadlines.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::backoff::Backoff;
use crate::sender::Pending;
use crate::shared::Shared;
use crate::transport::Transport;

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
/// Shut down, or paused around a fork: no lazy start.
const HELD: u8 = 2;

pub struct Worker {
    state: Arc<AtomicU8>,
    shut_down: AtomicBool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    thread: Option<Running>,
    pending: Pending,
    shut_down: bool,
    resume_after_fork: bool,
}

struct Running {
    handle: JoinHandle<Pending>,
    stop: Arc<Notify>,
}

impl Default for Worker {
    fn default() -> Self {
        Worker::new()
    }
}

impl Worker {
    pub fn new() -> Worker {
        Worker {
            state: Arc::new(AtomicU8::new(IDLE)),
            shut_down: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Starts the thread unless it runs already: one atomic load on the hot path.
    #[inline]
    pub fn ensure_started(&self, shared: &Arc<Shared>) {
        if self.state.load(Ordering::Acquire) == IDLE {
            self.start(shared);
        }
    }

    #[inline]
    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    fn start(&self, shared: &Arc<Shared>) {
        let mut inner = self.inner.lock();
        if self.state.load(Ordering::Acquire) != IDLE {
            return;
        }
        if let Some(old) = inner.thread.take() {
            // The previous thread ended on its own (a panic): keep what it could not send.
            if let Ok(p) = old.handle.join() {
                inner.pending = p;
            }
        }
        let stop = Arc::new(Notify::new());
        let pending = std::mem::take(&mut inner.pending);
        let (shared2, stop2, state2) = (shared.clone(), stop.clone(), self.state.clone());
        let spawned = std::thread::Builder::new()
            .name("vigil-worker".into())
            .spawn(move || {
                let _exit = ExitGuard(state2);
                thread_main(shared2, stop2, pending)
            });
        match spawned {
            Ok(handle) => {
                inner.thread = Some(Running { handle, stop });
                self.state.store(RUNNING, Ordering::Release);
            }
            Err(e) => {
                tracing::error!(target: "vigil", error = %e, "cannot start the Vigil worker thread");
                shared
                    .stats
                    .set_error(format!("cannot start worker thread: {e}"));
            }
        }
    }

    /// Stops the thread (cancelling at its next await point) and keeps its unsent batches.
    fn stop(&self, inner: &mut Inner, deadline: Instant) -> bool {
        let Some(running) = inner.thread.take() else {
            return true;
        };
        running.stop.notify_one();
        while !running.handle.is_finished() {
            if Instant::now() >= deadline {
                // Leave it behind rather than hang the host: it holds no lock a request needs.
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Ok(p) = running.handle.join() {
            inner.pending = p;
        }
        true
    }

    /// Waits until everything queued before the call has been handled, or `timeout`.
    pub fn flush(&self, shared: &Arc<Shared>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        if self.state.load(Ordering::Acquire) == HELD {
            return shared.queue.is_empty();
        }
        self.ensure_started(shared);
        let target = shared.request_flush();
        shared.wait_flushed(target, deadline)
    }

    /// Flushes with the deadline, then stops for good. Returns whether everything was sent.
    pub fn shutdown(&self, shared: &Arc<Shared>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let flushed = self.flush(shared, timeout);
        let mut inner = self.inner.lock();
        inner.shut_down = true;
        self.shut_down.store(true, Ordering::Release);
        self.state.store(HELD, Ordering::Release);
        let stopped = self.stop(&mut inner, deadline);
        flushed && stopped
    }

    /// Before `fork()`: no thread may be mid-flight holding anything the child would inherit.
    pub fn before_fork(&self) {
        let mut inner = self.inner.lock();
        inner.resume_after_fork = inner.thread.is_some();
        if !inner.shut_down {
            self.state.store(HELD, Ordering::Release);
        }
        self.stop(&mut inner, Instant::now() + Duration::from_secs(1));
    }

    pub fn after_fork_parent(&self, shared: &Arc<Shared>) {
        let resume = {
            let mut inner = self.inner.lock();
            if !inner.shut_down {
                self.state.store(IDLE, Ordering::Release);
            }
            std::mem::take(&mut inner.resume_after_fork)
        };
        if resume {
            self.ensure_started(shared);
        }
    }

    /// In the child: the queue and unsent batches are the parent's to send; start afresh.
    pub fn after_fork_child(&self, shared: &Arc<Shared>) {
        let mut inner = self.inner.lock();
        if let Some(t) = inner.thread.take() {
            // The thread does not exist in the child; its handle must not be joined.
            std::mem::forget(t);
        }
        inner.pending = Pending::default();
        inner.resume_after_fork = false;
        shared.discard_queue();
        if !inner.shut_down {
            self.state.store(IDLE, Ordering::Release);
        }
    }
}

/// Marks the worker idle when its thread ends for any reason (so a panic restarts it lazily).
struct ExitGuard(Arc<AtomicU8>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let _ = self
            .0
            .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire);
    }
}

fn thread_main(shared: Arc<Shared>, stop: Arc<Notify>, mut pending: Pending) -> Pending {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(target: "vigil", error = %e, "cannot start the Vigil worker runtime");
            return pending;
        }
    };
    runtime.block_on(async {
        tokio::select! {
            _ = stop.notified() => {}
            _ = run(&shared, &mut pending) => {}
        }
    });
    pending
}

async fn run(shared: &Arc<Shared>, pending: &mut Pending) {
    if let Some(local) = &shared.local {
        return crate::local::run(shared, local).await;
    }
    let (Some(url), Some(token)) = (shared.config.url.clone(), shared.config.token.clone()) else {
        return;
    };
    let transport = match Transport::new(&shared.config, &url, &token) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            tracing::error!(target: "vigil", error = %e, "cannot build the HTTP client");
            shared.stats.set_error(e);
            return;
        }
    };
    if shared.config.decisions {
        let (s, t) = (shared.clone(), transport.clone());
        tokio::spawn(async move { crate::poller::run(&s, &t).await });
    }
    let mut backoff = Backoff::protocol_default();
    loop {
        let generation = shared.flush_generation();
        crate::sender::drain(shared, &transport, pending, &mut backoff).await;
        shared.mark_flushed(generation);
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(shared.flush_interval()) => {}
        }
    }
}
