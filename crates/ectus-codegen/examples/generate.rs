//! Renders a spec file into a directory: `cargo run -p ectus-codegen --example generate -- SPEC DIR`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, dir] = args.as_slice() else {
        eprintln!("usage: generate SPEC DIR");
        return ExitCode::FAILURE;
    };
    let spec = match ectus_spec::parse_path(Path::new(spec)) {
        Ok(spec) => spec,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    match ectus_codegen::generate(&spec)
        .map_err(|e| e.to_string())
        .and_then(|project| {
            ectus_codegen::write_project(Path::new(dir), &project, true)
                .map(|report| (report, project.notes))
                .map_err(|e| e.to_string())
        }) {
        Ok((report, notes)) => {
            println!("{report:?}");
            for note in notes {
                println!("note: {note}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
