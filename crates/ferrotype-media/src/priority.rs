//! Background work runs below the server's requests: the helper programs the jobs start
//! (exiftool, ffprobe, ffmpeg, dcraw_emu) run with a nice value 10 above the server's, so on a
//! small machine an upload or a page being browsed keeps the CPU while metadata and thumbnails
//! wait for the idle time. (Measured with the upload benchmark: exiftool took about a sixth of
//! the CPU while 200 files were being uploaded.)

/// How much lower than the server the helper programs run (a nice increment).
pub const BACKGROUND_NICE: i32 = 10;

/// A command for a helper program, started at background CPU priority, and killed when the
/// server dies: a server killed outright (SIGKILL, a crash) would otherwise leave its
/// `exiftool -stay_open` helpers polling their closed stdin forever. Linux sends the death
/// signal when the *thread* that started the helper ends, so helpers are started from async code
/// on the runtime's worker threads (which live as long as the server), never from a blocking
/// pool thread (which ends when idle).
pub fn background_command(program: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    // SAFETY: the closure runs in the child between fork and exec; `nice` and `prctl` are plain
    // system calls that neither allocate nor take locks. Their results are ignored on purpose: a
    // helper that cannot be lowered or tied to the server still does its work.
    unsafe {
        command.pre_exec(|| {
            libc::nice(BACKGROUND_NICE);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nice value of a process from `/proc/<pid>/stat` (field 19, after the command name).
    fn nice_of(stat: &str) -> i32 {
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    /// A helper outlives nothing that started it: when the starting thread (in the server, the
    /// whole process) ends, the helper is killed.
    #[test]
    fn helpers_die_with_what_started_them() {
        use std::os::unix::process::ExitStatusExt;
        let starter = std::thread::spawn(|| {
            let mut command = background_command("sleep");
            command.arg("30");
            command.as_std_mut().spawn().unwrap()
        });
        let mut helper = starter.join().unwrap();
        let status = helper.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    }

    #[tokio::test]
    async fn helpers_run_ten_below_the_server() {
        let own = nice_of(&std::fs::read_to_string("/proc/self/stat").unwrap());
        let out = background_command("cat")
            .arg("/proc/self/stat")
            .output()
            .await
            .unwrap();
        let child = nice_of(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(child, (own + BACKGROUND_NICE).min(19));
    }
}
