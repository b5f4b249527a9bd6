//! exiftool as long-lived `-stay_open` processes: the reference metadata reader (Immich uses
//! it too), covering JPEG, HEIC, AVIF, JPEG XL, PNG, WebP, TIFF, every camera RAW format, videos
//! and XMP sidecars. Each process is started once and reused (about 10 ms a file instead of
//! 250 ms of Perl start-up); a hung or crashed process is killed and replaced.

use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum ExifToolError {
    #[error("exiftool could not be started ({0}); install it (Debian: libimage-exiftool-perl)")]
    Spawn(std::io::Error),
    #[error("exiftool I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("exiftool took longer than {0:?}")]
    Timeout(Duration),
    #[error("exiftool: {0}")]
    Failed(String),
}

struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: tokio::process::ChildStderr,
    sequence: u64,
}

impl Process {
    fn spawn(program: &str) -> Result<Self, ExifToolError> {
        let mut child = crate::priority::background_command(program)
            .args(["-stay_open", "True", "-@", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(ExifToolError::Spawn)?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| ExifToolError::Failed("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| ExifToolError::Failed("no stdout".into()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| ExifToolError::Failed("no stderr".into()))?;
        Ok(Process {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            stderr,
            sequence: 0,
        })
    }

    /// Runs one command (its arguments, one per line) and returns what it printed.
    async fn execute(&mut self, args: &[&str]) -> Result<String, ExifToolError> {
        self.sequence += 1;
        let mut command = String::new();
        for arg in args {
            // One argument per line: a file name with a newline cannot be passed safely.
            if arg.contains('\n') {
                return Err(ExifToolError::Failed("argument contains a newline".into()));
            }
            command.push_str(arg);
            command.push('\n');
        }
        command.push_str(&format!("-execute{}\n", self.sequence));
        self.stdin.write_all(command.as_bytes()).await?;
        self.stdin.flush().await?;
        let ready = format!("{{ready{}}}", self.sequence);
        let mut output = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line).await? == 0 {
                return Err(ExifToolError::Failed("exiftool exited".into()));
            }
            if line.trim_end() == ready {
                break;
            }
            output.push_str(&line);
        }
        Ok(output)
    }
}

/// A small pool of exiftool processes.
pub struct ExifTool {
    program: String,
    idle: Mutex<Vec<Process>>,
    slots: Semaphore,
    timeout: Duration,
}

impl ExifTool {
    /// Up to `processes` run at once; they start on first use.
    pub fn new(processes: usize) -> Self {
        ExifTool {
            program: "exiftool".to_string(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(processes.max(1)),
            timeout: Duration::from_secs(60),
        }
    }

    /// Reads every tag of `path` (numeric values, `-n`), as exiftool's JSON object for it.
    pub async fn read(&self, path: &Path) -> Result<Map<String, Value>, ExifToolError> {
        let path = path
            .to_str()
            .ok_or_else(|| ExifToolError::Failed("path is not UTF-8".into()))?;
        let out = self
            .run(&["-json", "-n", "-struct", "-api", "LargeFileSupport=1", path])
            .await?;
        let parsed: Value = serde_json::from_str(&out).map_err(|e| {
            ExifToolError::Failed(format!(
                "unreadable output ({e}): {}",
                out.chars().take(200).collect::<String>()
            ))
        })?;
        match parsed {
            Value::Array(mut items) if !items.is_empty() => match items.swap_remove(0) {
                Value::Object(map) => Ok(map),
                _ => Err(ExifToolError::Failed("unexpected output".into())),
            },
            _ => Err(ExifToolError::Failed("no metadata in output".into())),
        }
    }

    /// Extracts a binary tag (an embedded preview, say) into `out`; false if the file has none.
    pub async fn extract_binary(
        &self,
        path: &Path,
        tag: &str,
        out: &Path,
    ) -> Result<bool, ExifToolError> {
        let (Some(path), Some(out_str)) = (path.to_str(), out.to_str()) else {
            return Err(ExifToolError::Failed("path is not UTF-8".into()));
        };
        let tag = format!("-{tag}");
        self.run(&["-b", &tag, "-W!", out_str, path]).await?;
        Ok(tokio::fs::metadata(out)
            .await
            .map(|m| m.len() > 0)
            .unwrap_or(false))
    }

    /// Replaces the `TagsList` of the XMP file at `path` (made when it does not exist) with
    /// `values`; none deletes the tag. A value with a line break cannot be passed to exiftool's
    /// argument stream and is left out.
    pub async fn write_tags_list(
        &self,
        path: &Path,
        values: &[String],
    ) -> Result<(), ExifToolError> {
        let path = path
            .to_str()
            .ok_or_else(|| ExifToolError::Failed("path is not UTF-8".into()))?;
        let assignments: Vec<String> = values
            .iter()
            .filter(|v| !v.contains(['\n', '\r']))
            .map(|v| format!("-TagsList={v}"))
            .collect();
        let mut args = vec!["-overwrite_original", "-TagsList="];
        args.extend(assignments.iter().map(String::as_str));
        args.push(path);
        let out = self.run(&args).await?;
        // "1 image files created" or "... updated"; anything else is exiftool's refusal.
        if out.contains("1 image files") {
            Ok(())
        } else {
            Err(ExifToolError::Failed(format!(
                "writing {path} failed: {}",
                out.trim()
            )))
        }
    }

    async fn run(&self, args: &[&str]) -> Result<String, ExifToolError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ExifToolError::Failed("pool closed".into()))?;
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut process = match pooled {
            Some(p) => p,
            None => Process::spawn(&self.program)?,
        };
        match tokio::time::timeout(self.timeout, process.execute(args)).await {
            Ok(Ok(out)) => {
                // Keep stderr drained so a chatty file cannot block the process.
                drain_stderr(&mut process.stderr).await;
                self.idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(process);
                Ok(out)
            }
            Ok(Err(e)) => {
                let _ = process.child.start_kill();
                Err(e)
            }
            Err(_) => {
                let _ = process.child.start_kill();
                Err(ExifToolError::Timeout(self.timeout))
            }
        }
    }
}

async fn drain_stderr(stderr: &mut tokio::process::ChildStderr) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    // Only what is already there: a zero timeout read.
    while let Ok(Ok(n)) =
        tokio::time::timeout(Duration::from_millis(0), stderr.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
    }
}

impl Drop for ExifTool {
    fn drop(&mut self) {
        for process in self
            .idle
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .iter_mut()
        {
            let _ = process.child.start_kill();
        }
    }
}
