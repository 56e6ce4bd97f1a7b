//! Reading what the user points rdock at (a Dockerfile, standard input, a
//! configuration file), the same way for every command: regular files only
//! (a named pipe nobody writes to would block forever, a device never ends),
//! at most [`MAX_FILE_BYTES`], UTF-8. See docs/limits.md.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// The largest input rdock reads: far above any real Dockerfile or
/// configuration, low enough that a wrong path (a disk image, `/dev/zero`
/// behind a link) cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Why an input could not be read. Displays as one line (without the name
/// of the input, which the caller knows); [`ReadError::help`] says what to do.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Directory,
    /// A named pipe, socket or device.
    NotRegular,
    /// More than [`MAX_FILE_BYTES`]; the size when known.
    TooLarge(Option<u64>),
    /// Not UTF-8; the offset of the first bad byte.
    NotUtf8(usize),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Directory => write!(f, "it is a directory"),
            ReadError::NotRegular => {
                write!(
                    f,
                    "it is not a regular file (a named pipe, socket or device)"
                )
            }
            ReadError::TooLarge(size) => {
                let size = match size {
                    Some(n) => n.to_string(),
                    None => format!("over {MAX_FILE_BYTES}"),
                };
                write!(
                    f,
                    "it is too large ({size} bytes; the limit is {} MiB)",
                    MAX_FILE_BYTES >> 20
                )
            }
            ReadError::NotUtf8(at) => {
                write!(f, "it is not valid UTF-8 (first bad byte at offset {at})")
            }
        }
    }
}

impl ReadError {
    /// How to fix it, for a Dockerfile.
    pub fn help(&self) -> &'static str {
        match self {
            ReadError::Io(_) => "check the path and its permissions",
            ReadError::Directory | ReadError::NotRegular => {
                "pass a file; to read a stream, pipe it to `-` (standard input)"
            }
            ReadError::TooLarge(_) => "check that this is the file you meant",
            ReadError::NotUtf8(_) => "save the file as UTF-8; Dockerfiles are read as UTF-8 text",
        }
    }

    /// As an `io::Error`, for callers whose errors carry one.
    pub fn into_io(self) -> std::io::Error {
        match self {
            ReadError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    // Checked again while reading: the file may grow meanwhile.
    read_stream(file)
}

/// At most [`MAX_FILE_BYTES`] of a stream (standard input), failing if there is more.
pub fn read_stream(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(None));
    }
    Ok(buf)
}

/// Bytes as UTF-8 text.
pub fn utf8(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// A regular file as UTF-8 text ([`read_file`], then [`utf8`]).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    utf8(read_file(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_folders_are_refused_before_reading() {
        assert!(matches!(
            read_file(Path::new("/dev/zero")),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_file(Path::new("/")),
            Err(ReadError::Directory)
        ));
    }

    #[test]
    fn a_stream_longer_than_the_limit_is_refused() {
        let endless = std::io::repeat(b'a');
        assert!(matches!(
            read_stream(endless),
            Err(ReadError::TooLarge(None))
        ));
    }

    #[test]
    fn bad_utf8_says_where() {
        assert!(matches!(
            utf8(b"FROM a\n\xff".to_vec()),
            Err(ReadError::NotUtf8(7))
        ));
    }
}
