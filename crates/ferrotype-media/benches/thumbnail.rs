//! The thumbnail pipeline against libvips, one thread, on camera-sized JPEGs.
//!
//! For each test photo (12 to 24 MP, made by `photos.rs` from the fixture photos), times
//! `thumbnail::generate` (1440 px JPEG preview, 250 px WebP thumbnail and thumbhash from one
//! decode) and, on the same file in the same run, `vipsthumbnail` making the same two sizes
//! (short side 1440 as JPEG q80 4:4:4, short side 250 as WebP q80; two commands, as the CLI
//! makes one size per run) with `VIPS_CONCURRENCY=1`. Prints the median wall-clock and CPU time
//! of several runs per file (CPU: our thread's; the vipsthumbnail processes', process start
//! included) and the ratio ours / vips, judged against the target: at most 0.5. The verdict is on
//! CPU time, which other work on a shared machine disturbs far less than wall time; on a quiet
//! machine the two agree (one thread each).
//!
//! Run with `scripts/bench-thumbnails` (installs `vipsthumbnail` from Debian's libvips-tools if
//! it is missing, then runs `cargo bench -p ferrotype-media --bench thumbnail`). Not a test:
//! without cargo bench's `--bench` argument (as under `cargo test --all-targets`) it does
//! nothing.

mod photos;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ferrotype_media::thumbnail::{SourceKind, ThumbnailSettings, Thumbnails, generate};

/// Runs per file and tool after one warm-up run; the median is reported.
const RUNS: usize = 7;
const TARGET_RATIO: f64 = 0.5;

/// The test photos: name, width, height, mosaic seed.
const PHOTOS: &[(&str, u32, u32, u64)] = &[
    ("12mp-4000x3000", 4000, 3000, 1),
    ("12mp-portrait-3000x4000", 3000, 4000, 2),
    ("18mp-5184x3456", 5184, 3456, 3),
    ("24mp-6000x4000", 6000, 4000, 4),
];

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "thumbnail benchmark: skipped (run it with `cargo bench -p ferrotype-media --bench thumbnail`)"
        );
        return;
    }
    if !Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!(
            "vipsthumbnail is not installed: run scripts/bench-thumbnails, or apt-get install libvips-tools"
        );
        std::process::exit(1);
    }
    std::process::exit(if run() { 0 } else { 1 });
}

/// `<target>/thumbnail-bench`: the bench binary is `<target>/release/deps/thumbnail-<hash>`.
fn work_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the bench binary sits three levels below the target folder");
    let dir = target.join("thumbnail-bench");
    std::fs::create_dir_all(&dir).expect("bench folder");
    dir
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/photos")
}

/// Wall-clock and CPU time of one run.
#[derive(Clone, Copy, Default)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

impl std::ops::Add for Timing {
    type Output = Timing;
    fn add(self, o: Timing) -> Timing {
        Timing {
            wall: self.wall + o.wall,
            cpu: self.cpu + o.cpu,
        }
    }
}

/// Medians in ms: (wall, CPU).
fn median(runs: &[Timing]) -> (f64, f64) {
    let pick = |f: fn(&Timing) -> Duration| {
        let mut v: Vec<Duration> = runs.iter().map(f).collect();
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    (pick(|t| t.wall), pick(|t| t.cpu))
}

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a live timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time (user + system) of all the children waited for so far.
fn children_cpu() -> Duration {
    // SAFETY: an all-zero rusage is a valid value, filled in by getrusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a pointer to a live rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Our pipeline once.
fn ours(path: &Path, settings: &ThumbnailSettings) -> (Timing, Thumbnails) {
    let (cpu, wall) = (thread_cpu(), Instant::now());
    let made = generate(path, SourceKind::Common, Some(1), settings).expect("our thumbnails");
    let timing = Timing {
        wall: wall.elapsed(),
        cpu: thread_cpu() - cpu,
    };
    (timing, made)
}

/// One `vipsthumbnail` run: `input` scaled so that its short side is `short`, written to `out`
/// (with save options in brackets). Times the whole command, process start included.
fn vips(input: &Path, landscape: bool, short: u32, out: &str) -> Timing {
    // "xN" fixes the height, "Nx" the width: the short side of a landscape / portrait photo.
    let size = if landscape {
        format!("x{short}")
    } else {
        format!("{short}x")
    };
    let (cpu, wall) = (children_cpu(), Instant::now());
    let output = Command::new("vipsthumbnail")
        .arg(input)
        .args(["-s", &size, "-o", out])
        .env("VIPS_CONCURRENCY", "1")
        .output()
        .expect("run vipsthumbnail");
    let timing = Timing {
        wall: wall.elapsed(),
        cpu: children_cpu() - cpu,
    };
    assert!(
        output.status.success(),
        "vipsthumbnail failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    timing
}

/// Width and height from a JPEG's or a WebP's header, through `image`.
fn dimensions(path: &Path) -> (u32, u32) {
    image::image_dimensions(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The machine's load average (1, 5, 15 minutes): other work on the machine skews timings.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

fn run() -> bool {
    let dir = work_dir();
    let started = Instant::now();
    let sources = photos::fixture_photos(&fixtures());
    let mut files = Vec::new();
    for &(name, w, h, seed) in PHOTOS {
        let jpeg = photos::encode_jpeg(&photos::camera_like(&sources, w, h, seed), 90);
        let path = dir.join(format!("{name}.jpg"));
        std::fs::write(&path, &jpeg).expect("write test photo");
        files.push((name, w, h, path, jpeg.len()));
    }
    println!(
        "generated {} test photos (q90 4:2:0) in {:.1}s in {}",
        files.len(),
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    // Process start alone, for reading the vips columns: `vipsheader` on the same file.
    let startup: Vec<Timing> = (0..RUNS)
        .map(|_| {
            let (cpu, wall) = (children_cpu(), Instant::now());
            let ok = Command::new("vipsheader")
                .arg(&files[0].3)
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(ok, "vipsheader failed");
            Timing {
                wall: wall.elapsed(),
                cpu: children_cpu() - cpu,
            }
        })
        .collect();
    let startup = median(&startup);

    let settings = ThumbnailSettings::default();
    let load_before = loadavg();
    println!();
    println!(
        "{:<24} {:>5} | {:>8} {:>8} | {:>8} {:>8} {:>8} {:>8} | {:>6} {:>6}",
        "", "", "ours", "", "vips", "", "", "", "ratio", ""
    );
    println!(
        "{:<24} {:>5} | {:>8} {:>8} | {:>8} {:>8} {:>8} {:>8} | {:>6} {:>6}",
        "file", "MB", "wall ms", "cpu ms", "wall ms", "cpu ms", "pre cpu", "thb cpu", "wall", "cpu"
    );
    let (mut ours_total, mut vips_total) = ((0.0, 0.0), (0.0, 0.0));
    let mut ok = true;
    for (name, w, h, path, size) in &files {
        let landscape = w >= h;
        let preview_out = dir.join(format!("{name}.vips-preview.jpg"));
        let thumb_out = dir.join(format!("{name}.vips-thumb.webp"));
        let preview_spec = format!("{}[Q=80,subsample_mode=off,strip]", preview_out.display());
        let thumb_spec = format!("{}[Q=80,strip]", thumb_out.display());
        let (mut our_runs, mut vips_runs, mut pre_runs, mut thumb_runs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut made = None;
        // Run 0 warms up; the two tools take turns so that both see the same machine.
        for run in 0..=RUNS {
            let (t, thumbs) = ours(path, &settings);
            let p = vips(path, landscape, settings.preview_size, &preview_spec);
            let q = vips(path, landscape, settings.thumbnail_size, &thumb_spec);
            if run > 0 {
                our_runs.push(t);
                vips_runs.push(p + q);
                pre_runs.push(p);
                thumb_runs.push(q);
            }
            made = Some(thumbs);
        }
        let made = made.expect("at least one run");
        let ours_path = dir.join(format!("{name}.ours-preview.jpg"));
        std::fs::write(&ours_path, &made.preview_jpeg).expect("write preview");
        let ours_thumb = dir.join(format!("{name}.ours-thumb.webp"));
        std::fs::write(&ours_thumb, &made.thumbnail_webp).expect("write thumbnail");
        // The same sizes from both, or the comparison means nothing.
        let same = dimensions(&ours_path) == dimensions(&preview_out)
            && dimensions(&ours_thumb) == dimensions(&thumb_out);
        if !same {
            println!(
                "{name}: sizes differ: ours {:?} {:?}, vips {:?} {:?}",
                dimensions(&ours_path),
                dimensions(&ours_thumb),
                dimensions(&preview_out),
                dimensions(&thumb_out)
            );
            ok = false;
        }
        let (o, v) = (median(&our_runs), median(&vips_runs));
        println!(
            "{:<24} {:>5.2} | {:>8.1} {:>8.1} | {:>8.1} {:>8.1} {:>8.1} {:>8.1} | {:>6.3} {:>6.3}",
            name,
            *size as f64 / 1e6,
            o.0,
            o.1,
            v.0,
            v.1,
            median(&pre_runs).1,
            median(&thumb_runs).1,
            o.0 / v.0,
            o.1 / v.1
        );
        ours_total = (ours_total.0 + o.0, ours_total.1 + o.1);
        vips_total = (vips_total.0 + v.0, vips_total.1 + v.1);
    }
    let ratio = (ours_total.0 / vips_total.0, ours_total.1 / vips_total.1);
    println!();
    println!(
        "{:<44} {:>7.3}   target <= {TARGET_RATIO:.2}  {}",
        "ratio ours / vips, CPU time (sum of medians)",
        ratio.1,
        verdict(ratio.1 <= TARGET_RATIO)
    );
    println!(
        "{:<44} {:>7.3}   target <= {TARGET_RATIO:.2}  {}",
        "ratio ours / vips, wall time (sum of medians)",
        ratio.0,
        verdict(ratio.0 <= TARGET_RATIO)
    );
    println!(
        "{:<44} {:>7.1}   wall {:.1} (in each vips column twice)",
        "vips process start (vipsheader), cpu ms", startup.1, startup.0
    );
    println!(
        "{:<44} {}   then {}",
        "load average before (1 5 15 min)",
        load_before,
        loadavg()
    );
    println!(
        "{:<44} {}",
        "outputs",
        if ok { "same sizes" } else { "DIFFER" }
    );
    ok
}
