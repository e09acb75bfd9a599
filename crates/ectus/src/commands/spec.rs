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
    let (input, derived) = super::derive::derive(super::derive::Source {
        spec: args.file.as_deref(),
        openapi: args.openapi.as_deref(),
        prompt: args.prompt.as_deref(),
        prompt_file: args.prompt_file.as_deref(),
    })?;
    if args.strict && !derived.coverage.complete() {
        return Err(super::derive::strict_refusal(
            &derived.coverage,
            input.kind(),
        ));
    }
    for line in super::derive::not_understood_lines(&derived.coverage, input.kind()) {
        eprintln!("{line}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&derived)?);
    } else {
        print!("{}", super::derive::commented_yaml(&derived, input.kind()));
    }
    Ok(ExitCode::SUCCESS)
}
