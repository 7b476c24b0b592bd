//! Password checks on a few threads of their own. Argon2 takes 19 MiB for each check; glibc's
//! allocator gives every thread that allocates it an arena of its own and keeps what was freed
//! there, so checks spread over tokio's many blocking threads left hundreds of MiB resident
//! after a morning's sign-ins. On as many threads as cores, the memory is a few arenas' worth
//! and is reused. The queue in front of them is bounded by the connections.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use super::internal;
use crate::HubError;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads and their queue; the threads end when it is dropped.
pub(super) struct Hashing {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Hashing {
    /// Starts `threads` threads.
    pub(super) fn start(threads: usize) -> Hashing {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            let spawned =
                std::thread::Builder::new().name(format!("hashing-{i}")).spawn(move || {
                    loop {
                        // The lock is held only to take a job, not while running it.
                        let job = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                eprintln!("carestaff serve: cannot start a hashing thread: {e}");
            }
        }
        Hashing { jobs: Mutex::new(tx) }
    }

    /// Runs `f` on a hashing thread and waits for it without blocking the runtime.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HubError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| internal("the hashing threads have stopped".into()))?;
        rx.await.map_err(|_| internal("a password check failed".into()))
    }
}
