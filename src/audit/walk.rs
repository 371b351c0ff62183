//! Walks the paths given to `audit` and hands each regular file to the archive walker.
//!
//! Directories are walked recursively without following symbolic links and without
//! leaving the file system of the directory given, as `find -xdev` does, so that `/proc`,
//! `/sys` and mounted secrets under a scanned root are left out. FIFOs, sockets and
//! devices are skipped, because reading them could block or never end.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::image::Walker;
use super::report::{Findings, Location};
use super::scan::Matcher;
use crate::file;

/// A file identity: device and inode.
pub type FileId = (u64, u64);

/// Scans every regular file under `paths`.
pub struct TreeWalk<'a> {
    /// The compiled forms of the key.
    pub matcher: &'a Matcher,
    /// The record of hits and read failures.
    pub findings: &'a mut Findings,
    /// The files the credentials were read from, which are left out because they contain
    /// the credentials on purpose.
    pub key_files: Vec<FileId>,
}

impl TreeWalk<'_> {
    /// Scans `path`: a file, or a directory walked recursively.
    ///
    /// A symbolic link given here is followed, but links met inside directories are not.
    pub fn scan_path(&mut self, path: &Path) {
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => self.scan_dir(path, metadata.dev()),
            Ok(metadata) if metadata.is_file() => self.scan_file(path, &metadata),
            Ok(_) => {
                let error = io::Error::other("it is not a regular file or a directory");
                self.fail(path, &error);
            }
            Err(error) => self.fail(path, &error),
        }
    }

    fn scan_dir(&mut self, dir: &Path, device: u64) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => return self.fail(dir, &error),
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(error) => self.fail(dir, &error),
            }
        }
        paths.sort();

        for path in paths {
            let metadata = match fs::symlink_metadata(&path) {
                Ok(metadata) => metadata,
                Err(error) => {
                    self.fail(&path, &error);
                    continue;
                }
            };
            if metadata.is_dir() && metadata.dev() != device {
                self.findings
                    .skipped(&path, "another file system is mounted there");
            } else if metadata.is_dir() {
                self.scan_dir(&path, device);
            } else {
                self.scan_file(&path, &metadata);
            }
        }
    }

    fn scan_file(&mut self, path: &Path, metadata: &fs::Metadata) {
        let location = Location::file(path);
        if metadata.file_type().is_symlink() {
            // The link's target is scanned where it lives; its name may hold the key.
            if let Ok(target) = fs::read_link(path) {
                let hits = self
                    .matcher
                    .scan_bytes(target.as_os_str().as_encoded_bytes());
                self.findings.add_name_hits(&location, &hits);
            }
            return;
        }
        if !metadata.is_file() {
            return;
        }
        if self.key_files.contains(&(metadata.dev(), metadata.ino())) {
            self.findings
                .skipped(path, "it is the file a credential was read from");
            return;
        }

        match file::open_regular(path) {
            Ok(mut opened) => {
                let mut walker = Walker {
                    matcher: self.matcher,
                    findings: self.findings,
                };
                walker.scan(&mut opened, &location);
            }
            Err(error) => self.fail(path, &error),
        }
    }

    fn fail(&mut self, path: &Path, error: &io::Error) {
        self.findings.failed(&Location::file(path), error);
    }
}

/// Returns the device and inode of `path`, following symbolic links.
pub fn file_id(path: &Path) -> Option<FileId> {
    fs::metadata(path)
        .ok()
        .map(|metadata| (metadata.dev(), metadata.ino()))
}
