//! A zip archive written as it is sent: each file is stored (photos and videos are compressed
//! already), its CRC-32 computed while it streams and given after it in a data descriptor, so
//! nothing is buffered beyond one read. ZIP64 records are used only where a size or offset
//! needs them (files or archives of 4 GiB and more, more than 65,535 files).

use std::sync::Arc;

use axum::body::Bytes;
use chrono::{Datelike, NaiveDateTime, Timelike};
use ferrotype_core::blob::{BlobError, BlobStore, ByteRange};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// One file of the archive.
pub struct ZipEntry {
    /// The name inside the archive (UTF-8).
    pub name: String,
    /// The blob with the file's bytes.
    pub key: String,
    /// The size the catalog knows, to decide on ZIP64 before reading.
    pub size: u64,
    /// The wall-clock time shown by unzip.
    pub modified: NaiveDateTime,
}

const CHUNK: usize = 256 * 1024;
const LIMIT_32: u64 = 0xFFFF_FFFF;
/// Bit 3: sizes and CRC follow the data; bit 11: the name is UTF-8.
const FLAGS: u16 = 0x0008 | 0x0800;

/// MS-DOS date and time (2-second resolution, years 1980 to 2107).
fn dos_time(t: &NaiveDateTime) -> (u16, u16) {
    let year = t.year().clamp(1980, 2107) as u16;
    let date = ((year - 1980) << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (time, date)
}

struct Written {
    name: Vec<u8>,
    crc: u32,
    size: u64,
    offset: u64,
    time: (u16, u16),
    zip64: bool,
}

/// Streams the archive of `entries` into chunks; files that cannot be read end the stream
/// with an error (the client sees a broken download rather than a silently partial one).
pub fn stream(
    blobs: Arc<dyn BlobStore>,
    entries: Vec<ZipEntry>,
) -> mpsc::Receiver<std::io::Result<Bytes>> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        if let Err(e) = write_all(blobs.as_ref(), entries, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

async fn send(tx: &mpsc::Sender<std::io::Result<Bytes>>, bytes: Vec<u8>) -> std::io::Result<()> {
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
}

async fn write_all(
    blobs: &dyn BlobStore,
    entries: Vec<ZipEntry>,
    tx: &mpsc::Sender<std::io::Result<Bytes>>,
) -> std::io::Result<()> {
    let mut offset: u64 = 0;
    let mut written = Vec::with_capacity(entries.len());
    let mut buf = vec![0u8; CHUNK];
    for entry in entries {
        let name = entry.name.into_bytes();
        let zip64 = entry.size >= LIMIT_32 || offset >= LIMIT_32;
        let time = dos_time(&entry.modified);
        let mut header = Vec::with_capacity(30 + name.len() + 20);
        header.extend(0x0403_4b50u32.to_le_bytes());
        header.extend((if zip64 { 45u16 } else { 20u16 }).to_le_bytes());
        header.extend(FLAGS.to_le_bytes());
        header.extend(0u16.to_le_bytes()); // stored
        header.extend(time.0.to_le_bytes());
        header.extend(time.1.to_le_bytes());
        header.extend(0u32.to_le_bytes()); // CRC: in the descriptor
        let unknown = if zip64 { u32::MAX } else { 0 };
        header.extend(unknown.to_le_bytes());
        header.extend(unknown.to_le_bytes());
        header.extend((name.len() as u16).to_le_bytes());
        header.extend((if zip64 { 20u16 } else { 0u16 }).to_le_bytes());
        header.extend(&name);
        if zip64 {
            header.extend(0x0001u16.to_le_bytes());
            header.extend(16u16.to_le_bytes());
            header.extend(0u64.to_le_bytes());
            header.extend(0u64.to_le_bytes());
        }
        let header_len = header.len() as u64;
        send(tx, header).await?;

        let mut file = match blobs.open(&entry.key, ByteRange::ALL).await {
            Ok(blob) => blob.reader,
            Err(BlobError::Io(e)) => return Err(e),
            Err(e) => return Err(std::io::Error::other(e)),
        };
        let mut crc = crc32fast::Hasher::new();
        let mut size: u64 = 0;
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            crc.update(&buf[..n]);
            size += n as u64;
            send(tx, buf[..n].to_vec()).await?;
        }
        let crc = crc.finalize();
        let mut descriptor = Vec::with_capacity(24);
        descriptor.extend(0x0807_4b50u32.to_le_bytes());
        descriptor.extend(crc.to_le_bytes());
        if zip64 {
            descriptor.extend(size.to_le_bytes());
            descriptor.extend(size.to_le_bytes());
        } else {
            descriptor.extend((size as u32).to_le_bytes());
            descriptor.extend((size as u32).to_le_bytes());
        }
        let descriptor_len = descriptor.len() as u64;
        send(tx, descriptor).await?;
        written.push(Written {
            name,
            crc,
            size,
            offset,
            time,
            zip64,
        });
        offset += header_len + size + descriptor_len;
    }

    let directory_offset = offset;
    let mut directory = Vec::new();
    let mut directory_size: u64 = 0;
    for w in &written {
        let big = w.zip64 || w.size >= LIMIT_32 || w.offset >= LIMIT_32;
        let mut extra = Vec::new();
        if big {
            extra.extend(0x0001u16.to_le_bytes());
            extra.extend(24u16.to_le_bytes());
            extra.extend(w.size.to_le_bytes());
            extra.extend(w.size.to_le_bytes());
            extra.extend(w.offset.to_le_bytes());
        }
        directory.extend(0x0201_4b50u32.to_le_bytes());
        directory.extend((0x0300u16 | 45).to_le_bytes()); // made by: Unix, 4.5
        directory.extend((if big { 45u16 } else { 20u16 }).to_le_bytes());
        directory.extend(FLAGS.to_le_bytes());
        directory.extend(0u16.to_le_bytes());
        directory.extend(w.time.0.to_le_bytes());
        directory.extend(w.time.1.to_le_bytes());
        directory.extend(w.crc.to_le_bytes());
        let size32 = if big { u32::MAX } else { w.size as u32 };
        directory.extend(size32.to_le_bytes());
        directory.extend(size32.to_le_bytes());
        directory.extend((w.name.len() as u16).to_le_bytes());
        directory.extend((extra.len() as u16).to_le_bytes());
        directory.extend(0u16.to_le_bytes()); // comment
        directory.extend(0u16.to_le_bytes()); // disk
        directory.extend(0u16.to_le_bytes()); // internal attributes
        directory.extend((0o100644u32 << 16).to_le_bytes()); // a regular file, rw-r--r--
        directory.extend((if big { u32::MAX } else { w.offset as u32 }).to_le_bytes());
        directory.extend(&w.name);
        directory_size += 46 + w.name.len() as u64 + extra.len() as u64;
        directory.extend(extra);
        if directory.len() >= CHUNK {
            send(tx, std::mem::take(&mut directory)).await?;
        }
    }
    let count = written.len() as u64;
    let mut end = directory;
    if count > 0xFFFF || directory_offset >= LIMIT_32 || directory_size >= LIMIT_32 {
        let zip64_end = directory_offset + directory_size;
        end.extend(0x0606_4b50u32.to_le_bytes());
        end.extend(44u64.to_le_bytes());
        end.extend((0x0300u16 | 45).to_le_bytes());
        end.extend(45u16.to_le_bytes());
        end.extend(0u32.to_le_bytes());
        end.extend(0u32.to_le_bytes());
        end.extend(count.to_le_bytes());
        end.extend(count.to_le_bytes());
        end.extend(directory_size.to_le_bytes());
        end.extend(directory_offset.to_le_bytes());
        end.extend(0x0706_4b50u32.to_le_bytes());
        end.extend(0u32.to_le_bytes());
        end.extend(zip64_end.to_le_bytes());
        end.extend(1u32.to_le_bytes());
    }
    end.extend(0x0605_4b50u32.to_le_bytes());
    end.extend(0u16.to_le_bytes());
    end.extend(0u16.to_le_bytes());
    let count16 = count.min(0xFFFF) as u16;
    end.extend(count16.to_le_bytes());
    end.extend(count16.to_le_bytes());
    end.extend((directory_size.min(LIMIT_32) as u32).to_le_bytes());
    end.extend((directory_offset.min(LIMIT_32) as u32).to_le_bytes());
    end.extend(0u16.to_le_bytes());
    send(tx, end).await
}

/// Names unique within the archive, as Immich makes them: `IMG_1.jpg`, `IMG_1+1.jpg`, ...
pub fn unique_names(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, u32>::new();
    names
        .into_iter()
        .map(|name| {
            let lower = name.to_lowercase();
            let n = seen.entry(lower).or_insert(0);
            *n += 1;
            if *n == 1 {
                return name;
            }
            let count = *n - 1;
            match name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => format!("{stem}+{count}.{ext}"),
                _ => format!("{name}+{count}"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_unique() {
        let names = unique_names(
            ["a.jpg", "b.jpg", "A.JPG", "a.jpg", "noext", "noext"]
                .into_iter()
                .map(String::from),
        );
        assert_eq!(
            names,
            ["a.jpg", "b.jpg", "A+1.JPG", "a+2.jpg", "noext", "noext+1"]
        );
    }

    /// Writes the archive of `entries` to `out`, leaving runs of zeros as holes, so a 4 GiB
    /// archive of a sparse file takes almost no disk.
    async fn write_sparse(folder: &std::path::Path, entries: Vec<ZipEntry>, out: &std::path::Path) {
        use std::io::{Seek, SeekFrom, Write};
        let blobs = ferrotype_blob::LocalBlobStore::open(folder).unwrap();
        let mut file = std::fs::File::create(out).unwrap();
        let mut rx = stream(Arc::new(blobs), entries);
        let mut end = 0u64;
        // Compared as slices (memcmp): a byte loop is slow in a debug build.
        let zeros = vec![0u8; CHUNK];
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.expect("archive chunk");
            if chunk.len() <= CHUNK && chunk[..] == zeros[..chunk.len()] {
                file.seek(SeekFrom::Current(chunk.len() as i64)).unwrap();
            } else {
                file.write_all(&chunk).unwrap();
            }
            end += chunk.len() as u64;
        }
        file.set_len(end).unwrap();
    }

    fn unzip(args: &[&str], archive: &std::path::Path) -> (bool, String) {
        let out = std::process::Command::new("unzip")
            .args(args)
            .arg(archive)
            .output()
            .expect("Debian's unzip (scripts/install-deps)");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    /// The file `path` in the folder of the store, as an entry.
    fn entry(name: &str, path: &std::path::Path) -> ZipEntry {
        ZipEntry {
            name: name.to_string(),
            key: path.file_name().unwrap().to_str().unwrap().to_string(),
            size: std::fs::metadata(path).unwrap().len(),
            modified: NaiveDateTime::parse_from_str("2024-05-01 10:20:30", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
        }
    }

    /// A file over 4 GiB (ZIP64 sizes) followed by a small one (ZIP64 offset), checked by
    /// unzip: every CRC, the sizes, and the small file's bytes.
    #[tokio::test]
    async fn zip64_for_a_file_over_4_gib_and_the_offsets_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.mov");
        let big_size = LIMIT_32 + 1 + 3 * 1024 * 1024;
        std::fs::File::create(&big)
            .unwrap()
            .set_len(big_size)
            .unwrap();
        let small = dir.path().join("small.txt");
        std::fs::write(&small, b"after the big one").unwrap();
        let archive = dir.path().join("out.zip");
        write_sparse(
            dir.path(),
            vec![entry("big.mov", &big), entry("small.txt", &small)],
            &archive,
        )
        .await;
        assert!(std::fs::metadata(&archive).unwrap().len() > big_size);

        let (ok, text) = unzip(&["-t"], &archive);
        assert!(ok && text.contains("No errors detected"), "{text}");
        let (ok, text) = unzip(&["-l"], &archive);
        assert!(ok && text.contains(&big_size.to_string()), "{text}");
        let out = std::process::Command::new("unzip")
            .arg("-p")
            .arg(&archive)
            .arg("small.txt")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"after the big one");
    }

    /// More than 65,535 files: the count only fits the ZIP64 end record.
    #[tokio::test]
    async fn zip64_for_more_than_65535_files() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("one.txt");
        std::fs::write(&small, b"x").unwrap();
        let count = 70_000;
        let entries = (0..count)
            .map(|i| entry(&format!("f{i:05}.txt"), &small))
            .collect();
        let archive = dir.path().join("many.zip");
        write_sparse(dir.path(), entries, &archive).await;
        let (ok, text) = unzip(&["-t", "-q"], &archive);
        assert!(ok && text.contains("No errors detected"), "{text}");
        let (ok, text) = unzip(&["-l"], &archive);
        assert!(ok && text.contains(&format!("{count} files")), "{text}");
    }

    #[test]
    fn dos_times() {
        let t = NaiveDateTime::parse_from_str("2024-05-01 10:20:30", "%Y-%m-%d %H:%M:%S").unwrap();
        let (time, date) = dos_time(&t);
        assert_eq!(date, (44 << 9) | (5 << 5) | 1);
        assert_eq!(time, (10 << 11) | (20 << 5) | 15);
    }
}
