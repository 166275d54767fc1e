//! A minimal deterministic zip writer (deflated entries, fixed timestamps and permissions):
//! the same files give the same bytes on every machine and every run.

/// One file of an archive.
pub struct Entry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    pub executable: bool,
}

/// 1980-01-01 00:00, the earliest DOS timestamp: fixed, so builds are reproducible.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// Deflate level: 9 costs about twice the time of 6 for a few percent on a stripped binary;
/// the package is built once per source change, so size wins.
const LEVEL: u8 = 9;

/// A zip archive of `entries`, deflated, in the given order.
pub fn deflate(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = crc32(e.data);
        let size = e.data.len() as u32;
        let compressed = miniz_oxide::deflate::compress_to_vec(e.data, LEVEL);
        let compressed_size = compressed.len() as u32;
        let name = e.name.as_bytes();
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 8, 0]); // version, flags, method 8 (deflate)
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&compressed_size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&compressed);
        // Central directory entry; Unix permissions in the high half of the external attributes.
        let mode: u32 = if e.executable { 0o100_755 } else { 0o100_644 };
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 3]); // made by: version 2.0, Unix
        central.extend_from_slice(&[20, 0, 0, 0, 8, 0]);
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&compressed_size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// CRC-32 (IEEE), as zip requires.
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_reproducible_and_readable_by_unzip() {
        let entries = [Entry { name: "bootstrap", data: b"#!/bin/sh\necho hi\necho hi\necho hi\n", executable: true }];
        let a = deflate(&entries);
        assert_eq!(a, deflate(&entries));
        let dir = std::env::temp_dir().join(format!("sdlf-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.zip");
        std::fs::write(&path, &a).unwrap();
        // `python3 -m zipfile` is everywhere the tests run (the tools are Python).
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); i=z.getinfo('bootstrap'); \
                          assert i.compress_type == zipfile.ZIP_DEFLATED; \
                          print(z.read('bootstrap').decode(), oct(i.external_attr >> 16), i.date_time)",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "#!/bin/sh\necho hi\necho hi\necho hi\n 0o100755 (1980, 1, 1, 0, 0, 0)\n"
        );
    }
}
