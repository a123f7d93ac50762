use keel_engine::Engine;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tauri::async_runtime::JoinHandle;

/// What the shell keeps: the engine, and the forwarding tasks of live subscriptions.
pub struct AppState {
    pub engine: Engine,
    pub started: Instant,
    next_subscription: AtomicU32,
    subscriptions: Mutex<HashMap<u32, JoinHandle<()>>>,
}

impl AppState {
    pub fn new(engine: Engine, started: Instant) -> Self {
        Self {
            engine,
            started,
            next_subscription: AtomicU32::new(1),
            subscriptions: Mutex::new(HashMap::new()),
        }
    }

    pub fn add_subscription(&self, task: JoinHandle<()>) -> u32 {
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut subs) = self.subscriptions.lock() {
            subs.retain(|_, t| !t.inner().is_finished());
            subs.insert(id, task);
        }
        id
    }

    pub fn remove_subscription(&self, id: u32) {
        let task = self
            .subscriptions
            .lock()
            .ok()
            .and_then(|mut subs| subs.remove(&id));
        if let Some(task) = task {
            task.abort();
        }
    }
}
