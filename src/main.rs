use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use binlens::cli::{self, Invocation, Status};

fn main() -> ExitCode {
    cli::panic::install(None);
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
            binlens::tui::install_panic_hook();
            match binlens::tui::run(&paths) {
                // The accepted command goes to stdout, after the screen is restored.
                Ok(Some(text)) => match writeln!(io::stdout(), "{text}") {
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => ExitCode::from(2),
                    _ => ExitCode::SUCCESS,
                },
                Ok(None) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("binlens: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
