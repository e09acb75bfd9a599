//! Spooled files: written once to an anonymous temporary file while their size and SHA-256
//! are counted, then read back from the start — how an export stages each table before the
//! manifest that lists them is written.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use crate::HashingWriter;

/// A file being written.
pub struct Spool {
    out: HashingWriter<BufWriter<std::fs::File>>,
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
            out: HashingWriter::new(BufWriter::with_capacity(
                1 << 16,
                tempfile::tempfile_in(dir)?,
            )),
            lines: 0,
        })
    }

    /// Appends one line (`line` without its newline).
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Flushes and rewinds the file.
    pub fn finish(self) -> io::Result<Spooled> {
        let (buffered, bytes, sha256) = self.out.finish();
        let mut file = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Spooled {
            file,
            bytes,
            sha256,
            lines: self.lines,
        })
    }
}
