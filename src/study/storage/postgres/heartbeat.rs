//! The heartbeat: a thread with its own connection that stamps this worker's
//! running trials with the server's clock (`now()`) every interval, so a
//! worker that dies is noticed by the others (no heartbeat within the grace
//! period) whatever the clocks of the machines say.

use postgres::{Client, Config, NoTls};
use std::collections::BTreeSet;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The running heartbeat thread; stopped (and joined) on drop.
#[derive(Debug)]
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts stamping the trials in `running` of `study_id` run by `worker`
    /// every `interval`. A failed stamp (the server restarting) is retried
    /// with a new connection at the next interval.
    pub fn start(
        config: Config,
        study_id: i64,
        worker: String,
        running: Arc<Mutex<BTreeSet<i64>>>,
        interval: Duration,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("autotune-heartbeat".into())
            .spawn(move || {
                let mut client: Option<Client> = None;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    let numbers: Vec<i64> = super::lock(&running).iter().copied().collect();
                    if numbers.is_empty() {
                        continue;
                    }
                    if client.as_ref().is_none_or(Client::is_closed) {
                        client = config.connect(NoTls).ok();
                    }
                    let Some(c) = client.as_mut() else { continue };
                    let stamped = c.execute(
                        "UPDATE autotune_trials SET heartbeat = now() \
                         WHERE study_id = $1 AND number = ANY($2) AND state = 'running' AND worker = $3",
                        &[&study_id, &numbers, &worker],
                    );
                    if stamped.is_err() {
                        client = None;
                    }
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
