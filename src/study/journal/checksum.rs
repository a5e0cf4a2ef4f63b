//! The checksum of a journal line: CRC-32 of the line's JSON text, written as
//! a last field `"crc32":"<8 hex digits>"` so that a changed digit anywhere
//! in the line is detected.
//!
//! A line is the JSON object `T` of a [`super::Line`] with its closing brace
//! replaced by `,"crc32":"xxxxxxxx"}`, where `xxxxxxxx` is the CRC-32 of `T`
//! itself. CRC-32 (IEEE 802.3: polynomial `0x04C11DB7`, reflected, initial
//! value and final XOR `0xFFFFFFFF`; the check value of `"123456789"` is
//! `0xCBF43926`) detects every error burst of up to 32 bits, so every changed
//! character.

/// The field that carries a line's checksum.
const FIELD: &str = r#","crc32":""#;
/// `FIELD`, 8 hex digits and `"}`.
const SUFFIX_LEN: usize = FIELD.len() + 8 + 2;

/// The table of the reflected CRC-32 (one entry per byte value).
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 state, fed in pieces.
struct Crc32(u32);

impl Crc32 {
    fn new() -> Self {
        Self(0xFFFF_FFFF)
    }

    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = TABLE[((self.0 ^ u32::from(b)) & 0xFF) as usize] ^ (self.0 >> 8);
        }
    }

    fn finish(&self) -> u32 {
        !self.0
    }
}

/// The CRC-32 of `bytes`.
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

/// `json` (a JSON object) with its checksum as a last field.
pub(super) fn seal(json: &str) -> String {
    debug_assert!(json.starts_with('{') && json.ends_with('}'), "{json}");
    let body = &json[..json.len() - 1];
    format!("{body}{FIELD}{:08x}\"}}", crc32(json.as_bytes()))
}

/// What a line's checksum says.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sealed<'a> {
    /// The line had a checksum and it matches: the JSON text without it.
    Valid(String),
    /// The line had a checksum that does not match its text.
    Mismatch {
        /// The checksum written.
        written: u32,
        /// The checksum of the text as it is.
        computed: u32,
    },
    /// The line carries no checksum (journal versions 1 and 2): the text as is.
    Absent(&'a str),
}

/// Checks and removes the checksum of `line` (a journal line without its newline).
pub(super) fn unseal(line: &str) -> Sealed<'_> {
    let text = line.trim_end();
    let n = text.len();
    let written = (n >= SUFFIX_LEN && text.is_char_boundary(n - SUFFIX_LEN))
        .then(|| &text[n - SUFFIX_LEN..])
        .and_then(|s| s.strip_prefix(FIELD))
        .and_then(|s| s.strip_suffix("\"}"))
        .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|hex| u32::from_str_radix(hex, 16).ok());
    let Some(written) = written else {
        return Sealed::Absent(line);
    };
    let body = &text[..n - SUFFIX_LEN];
    let mut c = Crc32::new();
    c.update(body.as_bytes());
    c.update(b"}");
    let computed = c.finish();
    if computed == written {
        Sealed::Valid(format!("{body}}}"))
    } else {
        Sealed::Mismatch { written, computed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_has_the_standard_check_value() {
        // The check value of the CRC-32/ISO-HDLC catalogue entry.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn a_sealed_line_unseals_to_its_text_and_any_changed_character_is_caught() {
        let json = r#"{"trial":{"number":12,"value":0.3125}}"#;
        let line = seal(json);
        assert_eq!(
            line,
            format!(
                r#"{{"trial":{{"number":12,"value":0.3125}},"crc32":"{:08x}"}}"#,
                crc32(json.as_bytes())
            )
        );
        assert_eq!(unseal(&line), Sealed::Valid(json.to_owned()));
        for i in 0..line.len() {
            let mut bytes = line.clone().into_bytes();
            bytes[i] = if bytes[i] == b'7' { b'8' } else { b'7' };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(
                !matches!(unseal(&changed), Sealed::Valid(_)),
                "a change at byte {i} went unnoticed: {changed}"
            );
        }
        assert_eq!(unseal(json), Sealed::Absent(json));
    }
}
