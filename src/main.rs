use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use binlens::cli::{self, Invocation, Status};

fn main() -> ExitCode {
    match cli::parse() {
        Invocation::Command(cmd) => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut err = io::stderr();
            let result = cli::run(&cmd, &mut out, &mut err).and_then(|s| out.flush().map(|_| s));
            match result {
                Ok(Status::Ok) => ExitCode::SUCCESS,
                Ok(Status::NoMatch) => ExitCode::from(1),
                Ok(Status::Error) => ExitCode::from(2),
                // A closed pipe (`binlens dump … | head`) is success.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    let _ = writeln!(err, "binlens: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Invocation::Browse(paths) => {
            eprintln!(
                "binlens: the interactive browser is not built yet; try `binlens dump {}`",
                paths
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            ExitCode::from(2)
        }
    }
}
