//! A store of paused trainings' snapshots: in memory up to a byte cap, the
//! rest spilled to JSON files in a directory and read back on demand.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::NnError;

use super::snapshot::Snapshot;

const PREFIX: &str = "snapshot-";
const SUFFIX: &str = ".json";

/// Snapshots by `u64` key (e.g. a trial number), held in memory while their
/// [`Snapshot::size_bytes`] add up to at most `cap_bytes`, and spilled to
/// `dir/snapshot-<key>.json` beyond it: when an insertion would pass the
/// cap, the snapshots inserted longest ago are written out until it fits
/// (a snapshot larger than the cap goes straight to its file). Reading a
/// spilled snapshot back is transparent ([`SnapshotStore::get`],
/// [`SnapshotStore::take`]).
///
/// Files are written atomically (a temporary file, fsynced, renamed into
/// place, and the directory fsynced), so a file that exists is whole; a
/// store opened on a directory finds the files a previous process left
/// ([`SnapshotStore::new`]). A cap of 0 keeps every snapshot on disk, which
/// survives the process.
#[derive(Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
    cap_bytes: usize,
    /// In memory: key -> (insertion sequence number, snapshot).
    memory: BTreeMap<u64, (u64, Snapshot)>,
    memory_bytes: usize,
    spilled: BTreeSet<u64>,
    next_seq: u64,
}

impl SnapshotStore {
    /// A store spilling to `dir` (created if missing) beyond `cap_bytes` in
    /// memory. Snapshot files already in `dir` belong to the store.
    ///
    /// # Errors
    /// [`NnError::Io`] if the directory cannot be created or listed.
    pub fn new(dir: impl Into<PathBuf>, cap_bytes: usize) -> Result<Self, NnError> {
        let dir = dir.into();
        let io = |source| NnError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut spilled = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let name = entry.map_err(io)?.file_name();
            // Only the names `spill_path` writes (no leading zeros, no
            // temporary files).
            let key = name.to_str().and_then(|n| {
                let digits = n.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
                digits
                    .parse::<u64>()
                    .ok()
                    .filter(|k| k.to_string() == digits)
            });
            spilled.extend(key);
        }
        Ok(Self {
            dir,
            cap_bytes,
            memory: BTreeMap::new(),
            memory_bytes: 0,
            spilled,
            next_seq: 0,
        })
    }

    /// The directory spilled snapshots go to.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The most bytes held in memory.
    #[must_use]
    pub fn cap_bytes(&self) -> usize {
        self.cap_bytes
    }

    /// The bytes held in memory now (at most the cap).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }

    /// The file the snapshot of `key` is spilled to.
    #[must_use]
    pub fn spill_path(&self, key: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{key}{SUFFIX}"))
    }

    /// Whether the store holds a snapshot for `key`.
    #[must_use]
    pub fn contains(&self, key: u64) -> bool {
        self.memory.contains_key(&key) || self.spilled.contains(&key)
    }

    /// Whether the snapshot of `key` is on disk rather than in memory.
    #[must_use]
    pub fn is_spilled(&self, key: u64) -> bool {
        self.spilled.contains(&key)
    }

    /// The number of snapshots held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.memory.len() + self.spilled.len()
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every key held, in increasing order.
    #[must_use]
    pub fn keys(&self) -> Vec<u64> {
        let mut keys: Vec<u64> = self.memory.keys().chain(&self.spilled).copied().collect();
        keys.sort_unstable();
        keys
    }

    /// Stores `snapshot` under `key`, replacing any snapshot held for it,
    /// and spills the oldest snapshots in memory until the cap holds.
    ///
    /// # Errors
    /// [`NnError::Io`] naming the file that could not be written or removed
    /// (the key's previous snapshot may then be gone too).
    pub fn insert(&mut self, key: u64, snapshot: Snapshot) -> Result<(), NnError> {
        if let Some((_, old)) = self.memory.remove(&key) {
            self.memory_bytes -= old.size_bytes();
        }
        let size = snapshot.size_bytes();
        if size > self.cap_bytes {
            // Replaces an older file of `key` atomically.
            return self.write(key, &snapshot);
        }
        while self.memory_bytes + size > self.cap_bytes && !self.memory.is_empty() {
            self.spill_oldest()?;
        }
        if self.spilled.contains(&key) {
            self.delete_file(key)?;
        }
        self.memory_bytes += size;
        self.memory.insert(key, (self.next_seq, snapshot));
        self.next_seq += 1;
        Ok(())
    }

    /// A copy of the snapshot of `key`, read from its file if spilled (it
    /// stays where it is).
    ///
    /// # Errors
    /// [`NnError::Io`] if the spill file cannot be read (e.g. it was
    /// deleted), [`NnError::SnapshotFile`] if it is not a valid snapshot;
    /// both name the file.
    pub fn get(&self, key: u64) -> Result<Option<Snapshot>, NnError> {
        if let Some((_, s)) = self.memory.get(&key) {
            return Ok(Some(s.clone()));
        }
        if self.spilled.contains(&key) {
            return self.read(key).map(Some);
        }
        Ok(None)
    }

    /// Removes the snapshot of `key` from the store and returns it (reading
    /// and then deleting its file if spilled). On an error the store keeps
    /// the key.
    ///
    /// # Errors
    /// As [`SnapshotStore::get`], and [`NnError::Io`] if the file cannot be
    /// removed.
    pub fn take(&mut self, key: u64) -> Result<Option<Snapshot>, NnError> {
        if let Some((_, s)) = self.memory.remove(&key) {
            self.memory_bytes -= s.size_bytes();
            return Ok(Some(s));
        }
        if !self.spilled.contains(&key) {
            return Ok(None);
        }
        let snapshot = self.read(key)?;
        self.remove(key)?;
        Ok(Some(snapshot))
    }

    /// Drops the snapshot of `key` (deleting its file if spilled); whether
    /// there was one.
    ///
    /// # Errors
    /// [`NnError::Io`] if the file cannot be removed.
    pub fn remove(&mut self, key: u64) -> Result<bool, NnError> {
        if let Some((_, s)) = self.memory.remove(&key) {
            self.memory_bytes -= s.size_bytes();
            return Ok(true);
        }
        if !self.spilled.contains(&key) {
            return Ok(false);
        }
        self.delete_file(key)?;
        Ok(true)
    }

    /// Deletes the spill file of `key` (already gone is fine) and forgets it.
    fn delete_file(&mut self, key: u64) -> Result<(), NnError> {
        let path = self.spill_path(key);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(NnError::Io { path, source }),
        }
        self.spilled.remove(&key);
        Ok(())
    }

    /// Writes every snapshot in memory to its file (so that all survive the
    /// process), leaving the memory empty.
    ///
    /// # Errors
    /// [`NnError::Io`] naming the file that could not be written.
    pub fn spill_all(&mut self) -> Result<(), NnError> {
        while !self.memory.is_empty() {
            self.spill_oldest()?;
        }
        Ok(())
    }

    /// Moves the snapshot inserted longest ago from memory to its file.
    fn spill_oldest(&mut self) -> Result<(), NnError> {
        let Some(key) = self
            .memory
            .iter()
            .min_by_key(|(_, (seq, _))| *seq)
            .map(|(&k, _)| k)
        else {
            return Ok(());
        };
        if let Some((seq, snapshot)) = self.memory.remove(&key) {
            if let Err(e) = self.write(key, &snapshot) {
                self.memory.insert(key, (seq, snapshot));
                return Err(e);
            }
            self.memory_bytes -= snapshot.size_bytes();
        }
        Ok(())
    }

    /// Writes `snapshot` to its file atomically and records it as spilled.
    fn write(&mut self, key: u64, snapshot: &Snapshot) -> Result<(), NnError> {
        let path = self.spill_path(key);
        let tmp = path.with_extension("json.tmp");
        let json = snapshot.to_json()?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| NnError::Io { path, source }
        };
        let mut file = File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(json.as_bytes()).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(&self.dir).map_err(io(&self.dir))?;
        self.spilled.insert(key);
        Ok(())
    }

    /// Reads the spilled snapshot of `key`.
    fn read(&self, key: u64) -> Result<Snapshot, NnError> {
        let path = self.spill_path(key);
        let json = match std::fs::read_to_string(&path) {
            Ok(json) => json,
            Err(source) => return Err(NnError::Io { path, source }),
        };
        serde_json::from_str(&json).map_err(|source| NnError::SnapshotFile { path, source })
    }
}

/// Makes a rename in `dir` durable: on Unix an fsync of the directory;
/// elsewhere std offers no such call and the rename is as durable as the
/// file system makes it.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
