//! Type checks and size-limited reads of the files that may hold a credential.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A file that credential discovery reads, with its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialFile {
    /// A file in the secrets directory.
    Secret(PathBuf),
    /// The `.env` file in the working directory.
    Dotenv(PathBuf),
}

impl CredentialFile {
    /// Returns the path of the file.
    pub fn path(&self) -> &Path {
        match self {
            CredentialFile::Secret(path) | CredentialFile::Dotenv(path) => path,
        }
    }

    /// Returns what to do when reading the file failed with `error`, as one sentence.
    pub fn unreadable_fix(&self, error: &io::Error) -> String {
        if is_symlink_loop(error) {
            return "Point the symbolic link at the file itself, because the chain of links loops"
                .to_owned();
        }
        match self {
            CredentialFile::Secret(path) => {
                let id = path.file_name().unwrap_or_default().to_string_lossy();
                format!(
                    "Make it readable by the user running conda, for example with \
                     `RUN --mount=type=secret,id={id},uid=<that user's uid>`"
                )
            }
            CredentialFile::Dotenv(_) => {
                "Make it readable by the user running conda, or remove it".to_owned()
            }
        }
    }

    /// Returns what to do when the path is not a regular file, as one sentence.
    pub fn not_regular_fix(&self) -> &'static str {
        match self {
            CredentialFile::Secret(_) => "Replace it with a regular file that contains the secret",
            CredentialFile::Dotenv(_) => "Replace it with a regular dotenv file, or remove it",
        }
    }
}

impl fmt::Display for CredentialFile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialFile::Secret(path) => write!(formatter, "secret file {}", path.display()),
            CredentialFile::Dotenv(path) => write!(formatter, ".env file {}", path.display()),
        }
    }
}

/// The type of something that is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe, which would block a read until a writer comes.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A block device.
    BlockDevice,
    /// A character device, such as `/dev/zero`.
    CharacterDevice,
    /// Any other type.
    Other,
}

impl fmt::Display for FileKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::BlockDevice => "a block device",
            FileKind::CharacterDevice => "a character device",
            FileKind::Other => "a special file",
        })
    }
}

/// The state of a path after following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Nothing exists at the path, or a parent is not a directory.
    Missing,
    /// The path is a symbolic link whose target does not exist.
    DanglingSymlink,
    /// A regular file.
    Regular,
    /// Something other than a regular file.
    NotRegular(FileKind),
}

/// Returns what `path` refers to, following symbolic links as Kubernetes secrets need.
pub fn inspect(path: &Path) -> io::Result<FileState> {
    match fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Ok(FileState::Regular),
        Ok(metadata) => Ok(FileState::NotRegular(kind_of(&metadata.file_type()))),
        Err(error) if is_missing(&error) => {
            let is_link = fs::symlink_metadata(path).is_ok_and(|link| link.is_symlink());
            if is_link {
                Ok(FileState::DanglingSymlink)
            } else {
                Ok(FileState::Missing)
            }
        }
        Err(error) => Err(error),
    }
}

/// Returns whether an I/O error means that resolving the path met a loop of symbolic links.
pub fn is_symlink_loop(error: &io::Error) -> bool {
    #[cfg(unix)]
    return error.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    return false;
}

/// Returns whether an I/O error means that the path does not exist.
pub fn is_missing(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// Reads at most `limit + 1` bytes of `path`, so that the caller can detect an oversized
/// file without reading all of it.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when `path` is not a regular file, even if it
/// was replaced by a FIFO after [`inspect`] checked it.
pub fn read_limited(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens `path` for reading, following symbolic links, and fails with
/// [`io::ErrorKind::InvalidInput`] unless the opened file is a regular file.
///
/// On Unix the file is opened with `O_NONBLOCK`, so that opening a FIFO returns at once
/// instead of waiting for a writer. The flag has no effect on reads of a regular file.
pub fn open_regular(path: &Path) -> io::Result<fs::File> {
    let file = open_nonblocking(path)?;
    let file_type = file.metadata()?.file_type();
    if file_type.is_file() {
        return Ok(file);
    }
    let kind = kind_of(&file_type);
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file"),
    ))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;

    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

#[cfg(unix)]
fn kind_of(file_type: &fs::FileType) -> FileKind {
    use std::os::unix::fs::FileTypeExt;

    if file_type.is_dir() {
        FileKind::Directory
    } else if file_type.is_fifo() {
        FileKind::Fifo
    } else if file_type.is_socket() {
        FileKind::Socket
    } else if file_type.is_block_device() {
        FileKind::BlockDevice
    } else if file_type.is_char_device() {
        FileKind::CharacterDevice
    } else {
        FileKind::Other
    }
}

#[cfg(not(unix))]
fn kind_of(file_type: &fs::FileType) -> FileKind {
    if file_type.is_dir() {
        FileKind::Directory
    } else {
        FileKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        fs::write(&path, "key").unwrap();
        assert_eq!(inspect(&path).unwrap(), FileState::Regular);
    }

    #[test]
    fn inspect_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing");
        assert_eq!(inspect(&path).unwrap(), FileState::Missing);
    }

    #[test]
    fn inspect_under_a_file_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert_eq!(inspect(&file.join("child")).unwrap(), FileState::Missing);
    }

    #[test]
    fn inspect_directory() {
        let dir = tempfile::tempdir().unwrap();
        let state = inspect(dir.path()).unwrap();
        assert_eq!(state, FileState::NotRegular(FileKind::Directory));
    }

    #[cfg(unix)]
    #[test]
    fn inspect_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, "key").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(inspect(&link).unwrap(), FileState::Regular);
    }

    #[cfg(unix)]
    #[test]
    fn inspect_dangling_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        assert_eq!(inspect(&link).unwrap(), FileState::DanglingSymlink);
    }

    #[cfg(unix)]
    #[test]
    fn inspect_character_device() {
        let state = inspect(Path::new("/dev/null")).unwrap();
        assert_eq!(state, FileState::NotRegular(FileKind::CharacterDevice));
    }

    #[cfg(unix)]
    #[test]
    fn read_limited_rejects_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let error = read_limited(&path, 10).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(error.to_string(), "it is a FIFO, not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn open_regular_rejects_character_device() {
        let error = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is a character device, not a regular file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_gets_its_own_fix() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("loop");
        std::os::unix::fs::symlink(&link, &link).unwrap();
        let error = inspect(&link).unwrap_err();
        assert!(is_symlink_loop(&error), "{error}");
        let fix = CredentialFile::Secret(link).unreadable_fix(&error);
        assert!(fix.contains("chain of links loops"), "{fix}");
    }

    #[test]
    fn read_limited_stops_after_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'x'; 100]).unwrap();
        assert_eq!(read_limited(&path, 10).unwrap().len(), 11);
        assert_eq!(read_limited(&path, 100).unwrap().len(), 100);
    }
}
