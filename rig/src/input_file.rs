//! Reading the files a user names (connection configs, Python plugins)
//! with a size limit, so that `/dev/zero` or a mistaken multi-gigabyte file
//! is refused with a clear error instead of filling memory.

use std::io::Read;
use std::path::Path;

/// The largest file read: far above any config or plugin a person writes.
pub const MAX_INPUT_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The file at `path` as UTF-8 text, refused once it exceeds
/// [`MAX_INPUT_FILE_BYTES`] (checked while reading, so endless devices and
/// growing pipes stop too).
pub fn read_limited(path: &Path) -> std::io::Result<String> {
    read_at_most(std::fs::File::open(path)?, MAX_INPUT_FILE_BYTES)
}

fn read_at_most(source: impl Read, limit: u64) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    source.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it is larger than {} MiB", limit / (1024 * 1024)),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_source_stops_at_the_limit() {
        let e = read_at_most(std::io::repeat(b'x'), 2 * 1024 * 1024).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(e.to_string(), "it is larger than 2 MiB");
    }

    #[test]
    fn up_to_the_limit_is_read_whole() {
        let text = read_at_most(&b"abc"[..], 3).unwrap();
        assert_eq!(text, "abc");
        assert!(read_at_most(&b"abcd"[..], 3).is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named() {
        let e = read_at_most(&b"ok\xff"[..], 10).unwrap_err();
        assert_eq!(e.to_string(), "it is not UTF-8 text (byte 2)");
    }

    #[test]
    fn dev_zero_is_refused() {
        let e = read_limited(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
    }
}
