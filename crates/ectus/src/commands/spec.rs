//! `ectus spec`: derive, validate or describe specs.

use std::process::ExitCode;

use crate::cli::SpecArgs;

pub fn run(args: SpecArgs) -> anyhow::Result<ExitCode> {
    if args.schema {
        println!(
            "{}",
            serde_json::to_string_pretty(&ectus_spec::json_schema())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (_input, derived) = super::derive::derive(
        args.file.as_deref(),
        args.openapi.as_deref(),
        args.prompt.as_deref(),
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&derived)?);
    } else {
        print!("{}", super::derive::commented_yaml(&derived));
    }
    Ok(ExitCode::SUCCESS)
}
