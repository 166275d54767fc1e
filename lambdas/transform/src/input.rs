//! The input as a refillable window of bytes: reads in large chunks, checks that the text is
//! UTF-8, drops a leading BOM, and keeps the offsets and line counts errors are reported with.

use std::io::{ErrorKind, Read};

use crate::error::TransformError;

/// How much is read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// The largest record held in memory; a larger one is an error rather than unbounded growth.
pub(crate) const MAX_RECORD_BYTES: usize = 64 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) struct InputBuffer<R> {
    reader: R,
    buf: Vec<u8>,
    /// First byte not yet consumed by the parser.
    start: usize,
    /// End of the bytes read so far.
    end: usize,
    /// End of the bytes known to be UTF-8; parsers only see `buf[start..valid_end]`.
    valid_end: usize,
    reached_eof: bool,
    /// Input offset of `buf[0]`.
    base_offset: u64,
    /// Newlines in the input before `buf[0]`.
    base_newlines: u64,
    /// The reader stops at the end of an inference sample, so its end may cut a record (or a
    /// UTF-8 sequence) in two; that cut is not an error.
    truncated_sample: bool,
    bom_checked: bool,
}

impl<R: Read> InputBuffer<R> {
    pub(crate) fn new(reader: R, truncated_sample: bool) -> Self {
        InputBuffer {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            valid_end: 0,
            reached_eof: false,
            base_offset: 0,
            base_newlines: 0,
            truncated_sample,
            bom_checked: false,
        }
    }

    /// The unconsumed, validated bytes.
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.valid_end]
    }

    #[inline]
    pub(crate) fn consume(&mut self, bytes: usize) {
        self.start += bytes;
    }

    /// True once everything has been read.
    pub(crate) fn at_eof(&self) -> bool {
        self.reached_eof
    }

    /// True when the input is an inference sample that may end inside a record.
    pub(crate) fn is_truncated_sample(&self) -> bool {
        self.truncated_sample
    }

    /// Input offset of `data()[at]`.
    pub(crate) fn offset_of(&self, at: usize) -> u64 {
        self.base_offset + (self.start + at) as u64
    }

    /// 1-based line of `data()[at]`.
    pub(crate) fn line_of(&self, at: usize) -> u64 {
        let upto = (self.start + at).min(self.end);
        self.base_newlines + memchr::memchr_iter(b'\n', &self.buf[..upto]).count() as u64 + 1
    }

    /// Reads more input after the unconsumed bytes, growing the buffer when one record fills it.
    /// Returns false at the end of the input.
    pub(crate) fn fill(&mut self) -> Result<bool, TransformError> {
        if self.reached_eof {
            return Ok(false);
        }
        self.discard_consumed();
        if self.buf.len() - self.end < CHUNK_BYTES / 2 {
            let unconsumed = self.end - self.start;
            if unconsumed >= MAX_RECORD_BYTES {
                return Err(TransformError::RecordTooLarge { line: self.line_of(0), limit: MAX_RECORD_BYTES });
            }
            let new_len = (self.buf.len() * 2).max(CHUNK_BYTES);
            self.buf.resize(new_len, 0);
        }
        let read = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(read) => break read,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(error.into()),
            }
        };
        self.end += read;
        if read == 0 {
            self.reached_eof = true;
        }
        if !self.bom_checked && (self.end >= BOM.len() || self.reached_eof) {
            self.skip_bom();
        }
        self.validate_utf8()?;
        Ok(true)
    }

    /// Drops consumed bytes from the front, keeping the offset and line counts.
    fn discard_consumed(&mut self) {
        if self.start == 0 {
            return;
        }
        self.base_newlines += memchr::memchr_iter(b'\n', &self.buf[..self.start]).count() as u64;
        self.base_offset += self.start as u64;
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.valid_end -= self.start;
        self.start = 0;
    }

    /// Called once the first three bytes are in (or the input is shorter). Until then a partial
    /// BOM is an incomplete UTF-8 sequence, which validation holds back from the parser.
    fn skip_bom(&mut self) {
        self.bom_checked = true;
        if self.buf[..self.end].starts_with(BOM) {
            self.start = BOM.len();
            self.valid_end = BOM.len();
        }
    }

    fn validate_utf8(&mut self) -> Result<(), TransformError> {
        match std::str::from_utf8(&self.buf[self.valid_end..self.end]) {
            Ok(_) => self.valid_end = self.end,
            Err(error) => {
                let cut_at_end = error.error_len().is_none();
                if cut_at_end && (!self.reached_eof || self.truncated_sample) {
                    // The rest of the sequence comes with the next read (or after the sample).
                    self.valid_end += error.valid_up_to();
                } else {
                    let at = self.valid_end + error.valid_up_to();
                    return Err(TransformError::NotUtf8 {
                        offset: self.base_offset + at as u64,
                        line: self.base_newlines + memchr::memchr_iter(b'\n', &self.buf[..at]).count() as u64 + 1,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Result<Vec<u8>, TransformError> {
        let mut buffer = InputBuffer::new(input, false);
        let mut out = Vec::new();
        while buffer.fill()? {
            out.extend_from_slice(buffer.data());
            let len = buffer.data().len();
            buffer.consume(len);
        }
        Ok(out)
    }

    #[test]
    fn strips_bom_and_reports_bad_utf8_offset() {
        assert_eq!(read_all(b"\xEF\xBB\xBFa,b\n").unwrap(), b"a,b\n");
        assert_eq!(read_all(b"").unwrap(), b"");
        match read_all(b"ab\ncd\xFFef") {
            Err(TransformError::NotUtf8 { offset, line }) => {
                assert_eq!((offset, line), (5, 2));
            }
            other => panic!("{other:?}"),
        }
        match read_all(b"abc\xE2\x82") {
            Err(TransformError::NotUtf8 { offset, .. }) => assert_eq!(offset, 3),
            other => panic!("{other:?}"),
        }
    }
}
