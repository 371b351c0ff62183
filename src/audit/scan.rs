//! A streaming search for the key's forms in bytes read from any reader.

use std::io::{self, Read};

use memchr::memmem::Finder;

use super::patterns::{Form, Needle};

/// Bytes read from a stream at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// One occurrence of the key in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The form of the key found.
    pub form: Form,
    /// Offset in bytes from the start of the stream, after decompression, of the first
    /// byte of the form. For base64 that is the first character that encodes only key bytes.
    pub offset: u64,
}

/// A compiled set of needles that scans streams of any length in fixed memory.
pub struct Matcher {
    finders: Vec<(Form, Finder<'static>)>,
    longest: usize,
}

impl Matcher {
    /// Compiles `needles`.
    pub fn new(needles: &[Needle]) -> Self {
        let finders: Vec<(Form, Finder<'static>)> = needles
            .iter()
            .map(|needle| (needle.form, Finder::new(&needle.bytes).into_owned()))
            .collect();
        let longest = needles.iter().map(|needle| needle.bytes.len()).max();
        Matcher {
            finders,
            longest: longest.unwrap_or(0),
        }
    }

    /// Reads `reader` to its end and returns every occurrence, ordered by offset.
    ///
    /// A read error ends the scan. The hits found before it are returned with the error.
    pub fn scan_reader(&self, reader: &mut dyn Read) -> (Vec<Hit>, Option<io::Error>) {
        let mut hits = Vec::new();
        // The window contains the last `longest - 1` bytes of the previous chunk followed by
        // the new chunk, so that a needle split across two reads is found once.
        let mut window: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + self.longest);
        let mut window_start: u64 = 0;
        let mut carried = 0;
        let mut chunk = vec![0u8; CHUNK_BYTES];

        loop {
            let read = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return (finish(hits), Some(error)),
            };
            window.extend_from_slice(&chunk[..read]);
            self.collect(&window, window_start, carried, &mut hits);

            let keep = self.longest.saturating_sub(1).min(window.len());
            let drop = window.len() - keep;
            window.drain(..drop);
            window_start += drop as u64;
            carried = keep;
        }
        (finish(hits), None)
    }

    /// Returns every occurrence in `bytes`, ordered by offset.
    pub fn scan_bytes(&self, bytes: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.collect(bytes, 0, 0, &mut hits);
        finish(hits)
    }

    /// Adds the occurrences in `window` that end after its first `carried` bytes, which
    /// the previous call already searched.
    fn collect(&self, window: &[u8], window_start: u64, carried: usize, hits: &mut Vec<Hit>) {
        for (form, finder) in &self.finders {
            let length = finder.needle().len();
            for position in finder.find_iter(window) {
                if position + length > carried {
                    let offset = window_start + position as u64;
                    hits.push(Hit {
                        form: *form,
                        offset,
                    });
                }
            }
        }
    }
}

/// Sorts hits by offset and drops the plain or percent-encoded hit inside a token URL hit.
fn finish(mut hits: Vec<Hit>) -> Vec<Hit> {
    let token_offsets: Vec<u64> = hits
        .iter()
        .filter(|hit| hit.form == Form::TokenUrl)
        .map(|hit| hit.offset + "/t/".len() as u64)
        .collect();
    hits.retain(|hit| hit.form == Form::TokenUrl || !token_offsets.contains(&hit.offset));
    hits.sort_by_key(|hit| (hit.offset, hit.form as u8));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::patterns::needles;

    const KEY: &str = "audit-key-0123456789";

    /// A reader that returns at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let count = self.step.min(buf.len()).min(self.data.len());
            buf[..count].copy_from_slice(&self.data[..count]);
            self.data = &self.data[count..];
            Ok(count)
        }
    }

    fn plain_offsets(data: &[u8], step: usize) -> Vec<u64> {
        let matcher = Matcher::new(&needles(KEY));
        let mut reader = Trickle { data, step };
        let (hits, error) = matcher.scan_reader(&mut reader);
        assert!(error.is_none());
        hits.iter().map(|hit| hit.offset).collect()
    }

    #[test]
    fn finds_key_split_across_reads() {
        let mut data = vec![b'x'; 100];
        data.extend_from_slice(KEY.as_bytes());
        data.extend_from_slice(b"yy");
        data.extend_from_slice(KEY.as_bytes());
        for step in [1, 3, 7, 64, 4096] {
            assert_eq!(plain_offsets(&data, step), vec![100, 122], "step {step}");
        }
    }

    #[test]
    fn finds_key_across_chunk_boundary() {
        let mut data = vec![b'x'; CHUNK_BYTES - 5];
        data.extend_from_slice(KEY.as_bytes());
        assert_eq!(
            plain_offsets(&data, CHUNK_BYTES),
            vec![CHUNK_BYTES as u64 - 5]
        );
    }

    #[test]
    fn clean_stream_has_no_hits() {
        let data = b"audit-key-012345678 audit-key-0123456788".repeat(1000);
        assert_eq!(plain_offsets(&data, 999), Vec::<u64>::new());
    }

    #[test]
    fn token_url_reported_once() {
        let matcher = Matcher::new(&needles(KEY));
        let data = format!("https://conda.anaconda.org/t/{KEY}/main");
        let hits = matcher.scan_bytes(data.as_bytes());
        let expected = vec![Hit {
            form: Form::TokenUrl,
            offset: 26,
        }];
        assert_eq!(hits, expected);
    }

    #[test]
    fn read_error_keeps_earlier_hits() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 {
                    return Err(io::Error::other("disk gone"));
                }
                self.0 = true;
                buf[..KEY.len()].copy_from_slice(KEY.as_bytes());
                Ok(KEY.len())
            }
        }
        let matcher = Matcher::new(&needles(KEY));
        let (hits, error) = matcher.scan_reader(&mut Failing(false));
        assert_eq!(hits.len(), 1);
        assert_eq!(error.unwrap().to_string(), "disk gone");
    }
}
