//! `gpu`: parse the command line, run the command, turn the outcome into an exit code.

use std::process::ExitCode;

use gpu::exit::Status;
use gpu::lifecycle::guard;
use gpu::{cli, commands, env, exit};

fn main() -> ExitCode {
    let cli = cli::parse();
    let env = env::Env::from_process();
    gpu::output::force_terminal(&env);
    let ui = cli.global.ui(&env);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return exit::report(
                &exit::CliError::failure("could not start the async runtime").cause(e),
                true,
                &ui.paint,
            )
            .into()
        }
    };
    let result = runtime.block_on(async {
        // An interrupt stops the command where it is; what it had in flight (a create, a
        // release) was registered with the guard, which says what still bills.
        tokio::select! {
            r = commands::run(cli, &env, &ui) => r,
            i = guard::interrupt() => Err(guard::interrupted(i, &ui.paint)),
        }
    });
    // Don't wait for stragglers (a provider past its timeout) on the way out.
    runtime.shutdown_background();
    match result {
        Ok(status) => status.into(),
        // Ctrl-C is how a person stops `gpu watch` (or changes their mind): no error message.
        Err(e) if matches!(e.status, Status::Interrupted | Status::Terminated) => e.status.into(),
        Err(e) => exit::report(&e, ui.verbose, &ui.paint).into(),
    }
}
