use std::process::ExitCode;

fn main() -> ExitCode {
    rdock::cli::main()
}
