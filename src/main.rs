//! Entry point of the `conda-credential-helper` binary.

fn main() -> std::process::ExitCode {
    conda_credential_helper::cli::main()
}
