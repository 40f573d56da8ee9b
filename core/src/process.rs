//! The one client of a process, for SDKs whose API is process-wide (Python, Node): one
//! lifecycle, decided here rather than in each binding.
//!
//! - The first call that needs a client starts one from `vigil.toml` and `VIGIL_*`.
//! - `start(options)` builds a client from the options first: bad options fail and leave the
//!   running client as it was. The same options as the running client's keep it (another
//!   thread or worker started it); other options replace it, and the old client is flushed
//!   and stopped. So a lazy start can never silently keep options the app did not ask for.
//! - Pure helpers ([`normalize`](ProcessClient::normalize)) read the configuration but never
//!   start a client.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use parking_lot::Mutex;

use crate::client::Client;
use crate::config::Config;
use crate::error::Result;
use crate::identity::Identity;

struct Running {
    client: Arc<Client>,
    /// The code options it was started with (`None`: lazily, from file and environment).
    options: Option<Vec<(String, String)>>,
}

thread_local! {
    /// This thread's reference to a process client: which one, at which generation.
    static CACHED: RefCell<Option<(usize, u64, Arc<Client>)>> = const { RefCell::new(None) };
}

pub struct ProcessClient {
    current: ArcSwapOption<Client>,
    /// Bumped after every change of `current`, so a cached reference is checked with one
    /// atomic load ([`with`](Self::with); a request keeping its client).
    generation: AtomicU64,
    /// Serializes starts; request paths never take it.
    running: Mutex<Option<Running>>,
    /// What the SDK says about itself (`sdk_name`, `sdk_version`, `lang`), under any options.
    sdk: &'static [(&'static str, &'static str)],
}

impl ProcessClient {
    pub const fn new(sdk: &'static [(&'static str, &'static str)]) -> ProcessClient {
        ProcessClient {
            current: ArcSwapOption::const_empty(),
            generation: AtomicU64::new(0),
            running: Mutex::new(None),
            sdk,
        }
    }

    /// The running client, started lazily from `vigil.toml` and the environment.
    #[inline]
    pub fn get(&self) -> Result<Arc<Client>> {
        match self.current.load_full() {
            Some(c) => Ok(c),
            None => self.lazy_start(),
        }
    }

    /// Runs `f` on the running client (started lazily), for the per-call paths of every SDK:
    /// the thread keeps its own reference, checked with one atomic load of the generation,
    /// where an `ArcSwap` load costs about 12 ns against 2. A nested call (a callback into
    /// the SDK from inside `f`) or one from a thread being torn down takes the plain path.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&Client) -> R) -> Result<R> {
        let (id, generation) = (self as *const ProcessClient as usize, self.generation());
        let mut f = Some(f);
        let fast = CACHED.try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            if !matches!(&*slot, Some((i, g, _)) if *i == id && *g == generation) {
                match self.get() {
                    Ok(c) => *slot = Some((id, generation, c)),
                    Err(e) => return Some(Err(e)),
                }
            }
            let (_, _, client) = slot.as_ref()?;
            Some(Ok(f.take()?(client)))
        });
        match (fast, f) {
            (Ok(Some(result)), _) => result,
            (_, Some(f)) => {
                let client = self.get()?;
                Ok(f(&client))
            }
            // `f` is taken only by the fast path, which then returned its result.
            (_, None) => unreachable!("the fast path ran f"),
        }
    }

    /// Changes whenever the running client does (start, replacement, shutdown).
    #[inline]
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The running client, if any, without starting one.
    pub fn current(&self) -> Option<Arc<Client>> {
        self.current.load_full()
    }

    #[cold]
    fn lazy_start(&self) -> Result<Arc<Client>> {
        let mut running = self.running.lock();
        if let Some(r) = running.as_ref() {
            return Ok(r.client.clone());
        }
        let client = Arc::new(Client::from_options(self.sdk)?);
        self.install(&mut running, client.clone(), None);
        Ok(client)
    }

    /// Starts with `options` (over file and environment). Returns true when a new client was
    /// created, false when the running one already had exactly these options. An old client
    /// is shut down within `timeout`.
    pub fn start(&self, options: &[(&str, &str)], timeout: Duration) -> Result<bool> {
        let owned: Vec<(String, String)> = options
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut running = self.running.lock();
        if let Some(r) = running.as_ref() {
            if r.options.as_ref() == Some(&owned) && !r.client.is_shut_down() {
                return Ok(false);
            }
        }
        let mut all: Vec<(&str, &str)> = self.sdk.to_vec();
        all.extend_from_slice(options);
        let client = Arc::new(Client::from_options(&all)?);
        if let Some(old) = self.install(&mut running, client, Some(owned)) {
            old.shutdown(timeout);
        }
        Ok(true)
    }

    fn install(
        &self,
        running: &mut Option<Running>,
        client: Arc<Client>,
        options: Option<Vec<(String, String)>>,
    ) -> Option<Arc<Client>> {
        self.current.store(Some(client.clone()));
        self.generation.fetch_add(1, Ordering::Release);
        running
            .replace(Running { client, options })
            .map(|old| old.client)
    }

    /// Flushes within `timeout` and stops the client; a later call starts a new one lazily.
    pub fn shutdown(&self, timeout: Duration) -> bool {
        let old = {
            let mut running = self.running.lock();
            self.current.store(None);
            self.generation.fetch_add(1, Ordering::Release);
            running.take()
        };
        old.is_none_or(|r| r.client.shutdown(timeout))
    }

    /// Validates and normalizes identifiers under the running client's PII settings, or under
    /// the configuration (file and environment) when none runs; starts nothing.
    pub fn normalize<K: AsRef<str>, V: AsRef<str>>(&self, ids: &[(K, V)]) -> Result<Identity> {
        match self.current.load().as_ref() {
            Some(c) => c.identity(ids),
            None => Identity::new(ids, Config::load(self.sdk)?.pseudonymizer().as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SDK: &[(&str, &str)] = &[("lang", "test")];

    #[test]
    fn start_after_lazy_start_applies_the_options() {
        let p = ProcessClient::new(SDK);
        p.normalize(&[("email", "a@b.c")]).unwrap();
        assert!(p.current().is_none(), "normalize started a client");
        let lazy = p.get().unwrap();
        assert_eq!(lazy.config().flush_interval, Duration::from_secs(1));
        assert!(p
            .start(&[("flush_interval_ms", "250")], Duration::ZERO)
            .unwrap());
        assert_eq!(
            p.get().unwrap().config().flush_interval,
            Duration::from_millis(250)
        );
        assert!(lazy.is_shut_down());
        assert!(!p
            .start(&[("flush_interval_ms", "250")], Duration::ZERO)
            .unwrap());
        let e = p
            .start(&[("flush_interval_ms", "x")], Duration::ZERO)
            .unwrap_err();
        assert_eq!(e.code(), "config");
        assert_eq!(
            p.get().unwrap().config().flush_interval,
            Duration::from_millis(250)
        );
        let interval = p.with(|c| c.config().flush_interval).unwrap();
        assert_eq!(interval, Duration::from_millis(250));
        let nested = p.with(|_| p.with(|c| c.config().flush_interval).unwrap());
        assert_eq!(
            nested.unwrap(),
            interval,
            "a nested call takes the plain path"
        );
        assert!(p.shutdown(Duration::from_secs(1)));
        assert!(p.current().is_none());
        assert!(
            p.with(|c| c.config().flush_interval).unwrap() == Duration::from_secs(1),
            "a cached reference outlived its generation"
        );
    }
}
