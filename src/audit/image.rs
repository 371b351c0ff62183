//! Opens archives while scanning: tar files such as `docker save` and OCI image tarballs,
//! their layers, and gzip or zstd streams, each searched member by member.
//!
//! The format is recognised by content, never by file name: gzip and zstd by their magic
//! numbers, tar by the `ustar` magic that GNU, POSIX and Docker tar writers all put in
//! each header. A tar member whose content is itself a tar archive, compressed or not, is
//! reported as a layer.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::report::{Findings, Location};
use super::scan::Matcher;

/// Deepest nesting of archives and compressed streams that is opened. A deeper stream is
/// searched as plain bytes, which bounds the work for archives built to nest forever.
const MAX_DEPTH: usize = 6;

/// Bytes read ahead to recognise a format: the tar magic ends at offset 262.
const SNIFF_BYTES: usize = 512;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const TAR_MAGIC_OFFSET: usize = 257;
const TAR_MAGIC: &[u8] = b"ustar";

/// The format of a stream, recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Tar,
    Gzip,
    Zstd,
    Plain,
}

fn sniff(head: &[u8]) -> Format {
    if head.starts_with(GZIP_MAGIC) {
        Format::Gzip
    } else if head.starts_with(ZSTD_MAGIC) {
        Format::Zstd
    } else if head.get(TAR_MAGIC_OFFSET..TAR_MAGIC_OFFSET + TAR_MAGIC.len()) == Some(TAR_MAGIC) {
        Format::Tar
    } else {
        Format::Plain
    }
}

/// Searches one stream and every archive inside it, adding what it finds to `findings`.
pub struct Walker<'a> {
    /// The compiled forms of the key.
    pub matcher: &'a Matcher,
    /// The record of hits and read failures.
    pub findings: &'a mut Findings,
}

impl Walker<'_> {
    /// Searches `reader`, whose bytes are at `location`, opening archives in it.
    pub fn scan(&mut self, reader: &mut dyn Read, location: &Location) {
        self.scan_at_depth(reader, location, Depth::default());
    }

    fn scan_at_depth(&mut self, reader: &mut dyn Read, location: &Location, depth: Depth) {
        let head = match read_head(reader) {
            Ok(head) => head,
            Err(error) => return self.findings.failed(location, &error),
        };
        let format = if depth.streams < MAX_DEPTH {
            sniff(&head)
        } else {
            Format::Plain
        };
        let location = if depth.archives == 1 && format != Format::Plain {
            &location.layer()
        } else {
            location
        };
        let mut stream = io::Cursor::new(head).chain(reader);

        match format {
            Format::Plain => {
                let (hits, error) = self.matcher.scan_reader(&mut stream);
                self.findings.add_hits(location, &hits);
                if let Some(error) = error {
                    self.findings.failed(location, &error);
                }
            }
            Format::Gzip => {
                let mut decoder = MultiGzDecoder::new(stream);
                let inner = location.compressed("gzip");
                self.scan_at_depth(&mut decoder, &inner, depth.decompressed());
            }
            Format::Zstd => {
                let mut decoder = ZstdFrames::new(stream);
                let inner = location.compressed("zstd");
                self.scan_at_depth(&mut decoder, &inner, depth.decompressed());
            }
            Format::Tar => self.scan_tar(&mut stream, location, depth),
        }
    }

    /// Searches each member of a tar archive: its name, its link target and its content.
    fn scan_tar(&mut self, reader: &mut dyn Read, location: &Location, depth: Depth) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(error) => return self.findings.failed(location, &error),
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(error) => return self.findings.failed(location, &error),
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let member = location.member(&name);

            let mut names = entry.path_bytes().into_owned();
            if let Some(link) = entry.link_name_bytes() {
                names.push(b'\n');
                names.extend_from_slice(&link);
            }
            self.findings
                .add_name_hits(&member, &self.matcher.scan_bytes(&names));

            if entry.header().entry_type().is_file() {
                self.scan_at_depth(&mut entry, &member, depth.member());
            }
        }
    }
}

/// The nesting level of a stream: streams opened to reach it, and tar archives around it.
#[derive(Debug, Clone, Copy, Default)]
struct Depth {
    streams: usize,
    archives: usize,
}

impl Depth {
    fn decompressed(self) -> Self {
        Depth {
            streams: self.streams + 1,
            ..self
        }
    }

    /// Members of the outermost archive (`archives == 1`) are the candidate layers.
    fn member(self) -> Self {
        Depth {
            streams: self.streams + 1,
            archives: self.archives + 1,
        }
    }
}

/// Reads up to [`SNIFF_BYTES`] bytes, fewer only at the end of the stream.
fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    reader
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map(|_| head)
}

/// A reader that decodes every zstd frame of a stream in turn, skipping skippable frames.
struct ZstdFrames<R> {
    source: R,
    pending: Option<u8>,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: Read> ZstdFrames<R> {
    fn new(source: R) -> Self {
        ZstdFrames {
            source,
            pending: None,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Returns whether the source has no byte left, keeping a byte read to find out.
    fn at_end(&mut self) -> io::Result<bool> {
        if self.pending.is_some() {
            return Ok(false);
        }
        let mut byte = [0u8; 1];
        let read = self.source.read(&mut byte)?;
        self.pending = (read == 1).then_some(byte[0]);
        Ok(read == 0)
    }

    /// Reads the next frame header, skipping skippable frames. Returns `false` at the end.
    fn start_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.at_end()? {
                return Ok(false);
            }
            let pending = self
                .pending
                .take()
                .map(|byte| vec![byte])
                .unwrap_or_default();
            let mut source = io::Cursor::new(pending).chain(&mut self.source);
            match self.decoder.reset(&mut source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    io::copy(&mut source.take(u64::from(length)), &mut io::sink())?;
                }
                Err(error) => return Err(io::Error::new(io::ErrorKind::InvalidData, error)),
            }
        }
    }
}

impl<R: Read> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.start_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            if self.decoder.can_collect() > 0 {
                return self.decoder.read(buf);
            }
            if self.decoder.is_finished() {
                self.in_frame = false;
                continue;
            }
            let strategy = BlockDecodingStrategy::UptoBytes(buf.len());
            self.decoder
                .decode_blocks(&mut self.source, strategy)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_formats() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Format::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Format::Zstd);
        let mut header = vec![0u8; 512];
        header[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&header), Format::Tar);
        assert_eq!(sniff(b"plain text"), Format::Plain);
        assert_eq!(sniff(b""), Format::Plain);
    }

    #[test]
    fn zstd_frames_decoded_in_turn() {
        use ruzstd::encoding::{CompressionLevel, compress_to_vec};

        let mut data = compress_to_vec(&b"first frame, "[..], CompressionLevel::Fastest);
        // A skippable frame: magic 0x184D2A50, length 3, then 3 bytes.
        data.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        data.extend(compress_to_vec(
            &b"second frame"[..],
            CompressionLevel::Fastest,
        ));
        let mut decoded = String::new();
        ZstdFrames::new(&data[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, "first frame, second frame");
    }

    #[test]
    fn zstd_garbage_is_invalid_data() {
        let mut data = ZSTD_MAGIC.to_vec();
        data.extend_from_slice(&[0xff; 32]);
        let error = ZstdFrames::new(&data[..])
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
