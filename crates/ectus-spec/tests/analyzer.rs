use ectus_spec::analyzer::analyze;

#[test]
fn debug_dump() {
    let dir = std::env::var("PROMPTS").unwrap_or_default();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        println!("===== {}", p.display());
        match analyze(&text) {
            Ok(d) => {
                println!("{}", d.spec.to_yaml());
                for a in d.assumptions {
                    println!("  * {a}");
                }
            }
            Err(e) => println!("ERR {e}"),
        }
    }
}
