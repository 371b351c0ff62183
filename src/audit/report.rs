//! The record of an audit: where the key was found, and the places that could not be read.

use std::fmt;
use std::io;
use std::path::Path;

use super::patterns::{Form, Needle};
use super::scan::Hit;
use crate::secret::MASK;

/// A place in the scanned data: a file, then the archive members and layers inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(Vec<Frame>);

/// One level of a [`Location`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    name: String,
    layer: bool,
    compression: Option<&'static str>,
}

impl Location {
    /// Returns the location of a file on disk.
    pub fn file(path: &Path) -> Self {
        Location(vec![Frame::named(path.display().to_string())])
    }

    /// Returns the location of the archive member `name` inside this location.
    pub fn member(&self, name: &str) -> Self {
        let mut frames = self.0.clone();
        frames.push(Frame::named(name.to_owned()));
        Location(frames)
    }

    /// Returns this location marked as an image layer.
    pub fn layer(&self) -> Self {
        self.map_last(|frame| frame.layer = true)
    }

    /// Returns this location marked as decompressed with `format`, such as `gzip`.
    pub fn compressed(&self, format: &'static str) -> Self {
        self.map_last(|frame| frame.compression = Some(format))
    }

    fn map_last(&self, change: impl FnOnce(&mut Frame)) -> Self {
        let mut frames = self.0.clone();
        if let Some(last) = frames.last_mut() {
            change(last);
        }
        Location(frames)
    }
}

impl Frame {
    fn named(name: String) -> Self {
        Frame {
            name,
            layer: false,
            compression: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, frame) in self.0.iter().enumerate() {
            if index > 0 {
                formatter.write_str(": ")?;
            }
            if frame.layer {
                formatter.write_str("layer ")?;
            }
            formatter.write_str(&one_line(&frame.name))?;
            if let Some(format) = frame.compression {
                write!(formatter, " ({format})")?;
            }
        }
        Ok(())
    }
}

/// Returns `text` with control characters escaped, so that a name or an error message
/// taken from the scanned data stays on one line.
fn one_line(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_control() {
            escaped.extend(character.escape_default());
        } else {
            escaped.push(character);
        }
    }
    escaped
}

/// One occurrence of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The place of the occurrence.
    pub location: Location,
    /// The form of the key found.
    pub form: Form,
    /// Offset in bytes in the decompressed content, or `None` for a hit in a member name.
    pub offset: Option<u64>,
}

impl fmt::Display for Finding {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(
                formatter,
                "{}: {} at byte {offset}",
                self.location, self.form
            ),
            None => write!(formatter, "{}: {} in the name", self.location, self.form),
        }
    }
}

/// Everything an audit found: occurrences, places it could not read, and counts.
///
/// File and member names come from the scanned data and may contain the key, so every
/// line leaves this type with each form of the key replaced by `****`.
#[derive(Debug, Default)]
pub struct Findings {
    /// The forms of the key, masked in every line.
    redacted: Vec<Needle>,
    /// Every occurrence of the key, in scan order.
    pub hits: Vec<Finding>,
    /// One message per place that could not be read completely.
    pub failures: Vec<String>,
    /// One message per place left out on purpose.
    pub skipped: Vec<String>,
    /// Number of files, archive members included, whose content was searched.
    pub streams: u64,
}

impl Findings {
    /// Creates an empty record that masks `needles` in its lines.
    pub fn new(needles: Vec<Needle>) -> Self {
        Findings {
            redacted: needles,
            ..Findings::default()
        }
    }

    /// Returns one line per occurrence, with any form of the key in a name masked.
    pub fn hit_lines(&self) -> Vec<String> {
        self.hits
            .iter()
            .map(|finding| self.redact(finding.to_string()))
            .collect()
    }

    fn redact(&self, mut line: String) -> String {
        for needle in &self.redacted {
            // Every needle is ASCII, as the key is.
            if let Ok(text) = std::str::from_utf8(&needle.bytes) {
                line = line.replace(text, MASK);
            }
        }
        line
    }

    /// Records the hits of one searched stream.
    pub fn add_hits(&mut self, location: &Location, hits: &[Hit]) {
        self.streams += 1;
        for hit in hits {
            self.hits.push(Finding {
                location: location.clone(),
                form: hit.form,
                offset: Some(hit.offset),
            });
        }
    }

    /// Records hits in the name of the member at `location`.
    pub fn add_name_hits(&mut self, location: &Location, hits: &[Hit]) {
        for hit in hits {
            self.hits.push(Finding {
                location: location.clone(),
                form: hit.form,
                offset: None,
            });
        }
    }

    /// Records that `location` could not be read completely.
    pub fn failed(&mut self, location: &Location, error: &io::Error) {
        // A tar error can quote raw header bytes, so the message is escaped like a name.
        let message = self.redact(format!(
            "failed to read {location}: {}",
            one_line(&error.to_string())
        ));
        self.failures.push(message);
    }

    /// Records a place that was not searched, with the reason.
    pub fn skipped(&mut self, path: &Path, reason: &str) {
        let message = self.redact(format!("skipped {}: {reason}", Location::file(path)));
        self.skipped.push(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_of_layer_member() {
        let image = Location::file(Path::new("image.tar"));
        let layer = image.member("blobs/sha256/ab12").layer().compressed("gzip");
        let file = layer.member("etc/secret");
        assert_eq!(
            file.to_string(),
            "image.tar: layer blobs/sha256/ab12 (gzip): etc/secret"
        );
    }

    #[test]
    fn control_characters_escaped() {
        let location = Location::file(Path::new("a\nb")).member("c\rd\u{1b}");
        assert_eq!(location.to_string(), "a\\nb: c\\rd\\u{1b}");
    }

    #[test]
    fn key_in_names_is_masked() {
        let key = "names-key-0123456789";
        let mut findings = Findings::new(super::super::patterns::needles(key));
        let location = Location::file(Path::new("/t")).member(&format!("dir/{key}/x"));
        let hit = Hit {
            form: Form::Plain,
            offset: 3,
        };
        findings.add_hits(&location, &[hit]);
        findings.failed(&location, &io::Error::other(format!("bad {key}")));
        assert_eq!(
            findings.hit_lines(),
            vec!["/t: dir/****/x: the key in plain text at byte 3"]
        );
        assert_eq!(
            findings.failures,
            vec!["failed to read /t: dir/****/x: bad ****"]
        );
    }

    #[test]
    fn failure_message_stays_one_line() {
        let mut findings = Findings::new(Vec::new());
        let location = Location::file(Path::new("image.tar"));
        findings.failed(&location, &io::Error::other("bad header\n\u{0}x"));
        assert_eq!(
            findings.failures,
            vec!["failed to read image.tar: bad header\\n\\u{0}x"]
        );
    }

    #[test]
    fn finding_lines() {
        let location = Location::file(Path::new("/env/x"));
        let hit = Finding {
            location: location.clone(),
            form: Form::Base64,
            offset: Some(42),
        };
        assert_eq!(hit.to_string(), "/env/x: the key in base64 at byte 42");
        let name = Finding {
            location,
            form: Form::Plain,
            offset: None,
        };
        assert_eq!(
            name.to_string(),
            "/env/x: the key in plain text in the name"
        );
    }
}
