//! The `autotune` command: tune a network on a data set from the shell.
//!
//! All of the binary's code lives in `src/cli/` (the library holds none of it).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
