//! Deterministic zip archives: deflated entries with a fixed timestamp and fixed permissions,
//! so the same files give the same bytes on every machine and every run.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One file of an archive.
pub struct Entry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    pub executable: bool,
}

/// Deflate level: 9 costs about twice the time of 6 for a few percent on a stripped binary;
/// the package is built once per source change, so size wins.
const LEVEL: i64 = 9;

/// A zip archive of `entries`, deflated, in the given order.
pub fn deflate(entries: &[Entry<'_>]) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(LEVEL))
            // 1980-01-01 00:00, the earliest DOS time: fixed, so builds are reproducible.
            .last_modified_time(DateTime::default())
            .unix_permissions(if entry.executable { 0o755 } else { 0o644 });
        writer.start_file(entry.name, options)?;
        writer.write_all(entry.data)?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_reproducible_and_readable_by_python_zipfile() {
        let script = b"#!/bin/sh\necho hi\necho hi\necho hi\n";
        let entries = [
            Entry { name: "bootstrap", data: script, executable: true },
            Entry { name: "README", data: b"plain", executable: false },
        ];
        let archive = deflate(&entries).unwrap();
        assert_eq!(archive, deflate(&entries).unwrap());
        let dir = std::env::temp_dir().join(format!("sdlf-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.zip");
        std::fs::write(&path, &archive).unwrap();
        // `python3 -m zipfile` is everywhere the tests run (the tools are Python).
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,zipfile\n\
                 for i in zipfile.ZipFile(sys.argv[1]).infolist():\n\
                 \x20   assert i.compress_type == zipfile.ZIP_DEFLATED\n\
                 \x20   print(i.filename, oct(i.external_attr >> 16), i.date_time, i.file_size)",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!(
                "bootstrap 0o100755 (1980, 1, 1, 0, 0, 0) {}\nREADME 0o100644 (1980, 1, 1, 0, 0, 0) 5\n",
                script.len()
            )
        );
    }
}
