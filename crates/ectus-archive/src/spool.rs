//! Spooled files: written once to an anonymous temporary file while their size and SHA-256
//! are counted, then read back from the start — how an export stages each table before the
//! manifest that lists them is written.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use sha2::Digest as _;

/// A file being written.
pub struct Spool {
    out: BufWriter<std::fs::File>,
    hasher: sha2::Sha256,
    bytes: u64,
    /// Lines written, for table files.
    pub lines: u64,
}

/// A written file, rewound, with what the manifest needs to know of it.
pub struct Spooled {
    pub file: std::fs::File,
    pub bytes: u64,
    pub sha256: String,
    pub lines: u64,
}

impl Spool {
    /// A new spool in `dir` (the file has no name and disappears when dropped).
    pub fn new_in(dir: &std::path::Path) -> io::Result<Spool> {
        Ok(Spool {
            out: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            hasher: sha2::Sha256::new(),
            bytes: 0,
            lines: 0,
        })
    }

    /// Appends one line (`line` without its newline).
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.write_all(line)?;
        self.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Flushes and rewinds the file.
    pub fn finish(self) -> io::Result<Spooled> {
        let mut file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Spooled {
            file,
            bytes: self.bytes,
            sha256: crate::hex(&self.hasher.finalize()),
            lines: self.lines,
        })
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.out.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
