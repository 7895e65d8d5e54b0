//! `magnum-sim`: the embedded Magnum simulator as a program. Prints `export OS_…` lines for
//! `eval`, then serves on 127.0.0.1 until interrupted (Ctrl-C / SIGTERM).
//!
//! ```text
//! eval "$(magnum-sim --port 9511 &)"      # or: magnum-sim > env.sh &  then  . env.sh
//! magnum-sim --create-seconds 30 --fail-create "Resource CREATE failed: WaitConditionTimeout"
//! magnum-sim --state sim.db        # clusters survive a restart (SQLite, mode 0600)
//! magnum-sim --user ops:team-a:admin,member,reader   # one more Keystone user (repeatable)
//! ```

use std::process::ExitCode;
use std::time::Duration;

use magnum_drivers::simulator::{CloudCatalog, SimUser, Simulator, SimulatorConfig};

const USAGE: &str = "usage: magnum-sim [--port N] [--create-seconds S] [--update-seconds S] \
[--delete-seconds S] [--fail-create REASON] [--password P] [--max-clusters N] [--max-nodes N] [--state FILE] \
[--catalog FILE.json] [--user NAME:PROJECT:ROLE[,ROLE…]]… [--max-kube-apis N] [--print-catalog]";

/// The longest simulated operation (a year): larger numbers are refused, not overflowed.
const MAX_SECONDS: f64 = 31_536_000.0;

/// What the command line asks for.
enum Command {
    /// Serve with this configuration.
    Serve(Box<SimulatorConfig>),
    /// Print the default catalog as JSON and exit.
    PrintCatalog,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut config = SimulatorConfig::new();
    let mut users = Vec::new();
    let mut password = None;
    let (mut create, mut update, mut delete) = (3.0_f64, 2.0_f64, 2.0_f64);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        let seconds = |text: String| {
            text.parse::<f64>()
                .ok()
                .filter(|s| (0.0..=MAX_SECONDS).contains(s))
                .ok_or_else(|| {
                    format!("{flag}: '{text}' is not a number of seconds (0 to {MAX_SECONDS})")
                })
        };
        match flag.as_str() {
            "--port" => {
                let text = value()?;
                config = config.port(
                    text.parse()
                        .map_err(|_| format!("--port: '{text}' is not a port number"))?,
                );
            }
            "--create-seconds" => create = seconds(value()?)?,
            "--update-seconds" => update = seconds(value()?)?,
            "--delete-seconds" => delete = seconds(value()?)?,
            "--fail-create" => config = config.fail_create(value()?),
            "--password" => password = Some(value()?),
            "--state" => config = config.state_file(value()?),
            "--catalog" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("--catalog {path}: {e}"))?;
                let catalog: CloudCatalog = serde_json::from_str(&text)
                    .map_err(|e| format!("--catalog {path}: not a catalog: {e}"))?;
                config = config.catalog(catalog);
            }
            "--print-catalog" => return Ok(Command::PrintCatalog),
            "--user" => users.push(user(&value()?)?),
            "--max-clusters" => {
                let text = value()?;
                config = config.max_clusters_per_project(
                    text.parse()
                        .map_err(|_| format!("--max-clusters: '{text}' is not a number"))?,
                );
            }
            "--max-kube-apis" => {
                let text = value()?;
                config = config.max_kube_apis(
                    text.parse()
                        .map_err(|_| format!("--max-kube-apis: '{text}' is not a number"))?,
                );
            }
            "--max-nodes" => {
                let text = value()?;
                config = config.max_nodes(
                    text.parse()
                        .map_err(|_| format!("--max-nodes: '{text}' is not a number"))?,
                );
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    for extra in users {
        config = config.user(extra);
    }
    if let Some(password) = password {
        config = config.password(&password);
    }
    Ok(Command::Serve(Box::new(config.durations(
        Duration::from_secs_f64(create),
        Duration::from_secs_f64(update),
        Duration::from_secs_f64(delete),
    ))))
}

/// `NAME:PROJECT:ROLE[,ROLE…]`: a user of project PROJECT (created if new) with those roles.
fn user(spec: &str) -> Result<SimUser, String> {
    let bad =
        || format!("--user: '{spec}' is not NAME:PROJECT:ROLE[,ROLE…] (letters, digits, '-', '_')");
    let parts: Vec<&str> = spec.split(':').collect();
    let [name, project, roles] = parts.as_slice() else {
        return Err(bad());
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 64
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let roles: Vec<&str> = roles.split(',').collect();
    if !word(name) || !word(project) || !roles.iter().all(|r| word(r)) {
        return Err(bad());
    }
    Ok(SimUser::new(
        name,
        magnum_drivers::simulator::DEFAULT_PASSWORD,
        project,
        &roles,
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(Command::Serve(config)) => *config,
        Ok(Command::PrintCatalog) => {
            match serde_json::to_string_pretty(&CloudCatalog::default()) {
                Ok(json) => println!("{json}"),
                Err(e) => eprintln!("magnum-sim: {e}"),
            }
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("magnum-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", sim.env_exports());
    eprintln!(
        "magnum-sim: Magnum {} (microversions 1.1-1.14), Keystone {}; pid {}; Ctrl-C stops",
        sim.magnum_url(),
        sim.auth_url(),
        std::process::id()
    );
    wait_for_stop().await;
    sim.stop().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn users_are_added_with_their_project_and_roles() {
        let Ok(Command::Serve(config)) = parse(&args(&[
            "--user",
            "ops:team-a:admin,member",
            "--password",
            "s3cret",
            "--user",
            "ops:team-b:reader",
        ])) else {
            panic!("parsed");
        };
        let ops: Vec<_> = config.users.iter().filter(|u| u.name == "ops").collect();
        assert_eq!(
            ops.len(),
            1,
            "a later user of the same name replaces the earlier"
        );
        assert_eq!(ops[0].project_name, "team-b");
        assert_eq!(ops[0].roles, ["reader"]);
        assert!(
            config.users.iter().all(|u| u.password == "s3cret"),
            "--password applies to added users wherever it stands"
        );
        assert!(
            config.users.iter().any(|u| u.name == "demo"),
            "the default users stay"
        );
    }

    #[test]
    fn malformed_users_are_refused_with_the_expected_shape() {
        for bad in [
            "x", "x:y", "x:y:", ":y:z", "a b:y:z", "x:y:z:w", "x:y:r,", "x:y:r\0",
        ] {
            let Err(message) = parse(&args(&["--user", bad])) else {
                panic!("{bad:?} accepted");
            };
            assert!(message.contains("NAME:PROJECT:ROLE"), "{message}");
        }
        let long = format!("{}:p:r", "n".repeat(65));
        assert!(parse(&args(&["--user", &long])).is_err());
    }
}
