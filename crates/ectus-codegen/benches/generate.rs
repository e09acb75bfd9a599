//! Analyze + generate for a 10-entity service, against parsing the same spec as the baseline.
//!
//! `cargo bench -p ectus-codegen` prints each figure; docs/benchmarks.md records them with the
//! ratios to the baseline measured in the same run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

/// A 10-entity requirement in the style users write.
const PROMPT: &str = "A school management backend. Schools have a name, an address and a website. \
Teachers have a first name, a last name, a unique email and a hire date, and each teacher belongs to a school. \
Students have a first name, a last name, an email and a birth date, and each student belongs to a school. \
Courses have a title, a description, a credit count and a level which is beginner, intermediate or advanced; each course belongs to a teacher. \
Classrooms have a name, a capacity and a floor number. \
Lessons have a start time, an end time and notes; each lesson belongs to a course and a classroom. \
Enrollments have an enrollment date and a status which is active, completed or dropped; each enrollment belongs to a student and a course. \
Grades have a score, a comment and a graded date; each grade belongs to an enrollment. \
Assignments have a title, instructions and a due date; each assignment belongs to a course. \
Submissions have a submitted time, a file url and a late flag; each submission belongs to an assignment and a student. \
Use PostgreSQL. Require JWT authentication to create, update or delete anything.";

fn benches(c: &mut Criterion) {
    let derived = ectus_spec::analyzer::analyze(PROMPT).expect("the benchmark prompt analyzes");
    assert_eq!(
        derived.spec.entities.len(),
        10,
        "{:#?}",
        derived
            .spec
            .entities
            .iter()
            .map(|e| &e.name)
            .collect::<Vec<_>>()
    );
    let yaml = derived.spec.to_yaml();
    let mut group = c.benchmark_group("ten_entities");
    group.sample_size(20);
    group.bench_function("baseline_parse_and_validate_spec", |b| {
        b.iter(|| ectus_spec::parse(black_box(&yaml), ectus_spec::Format::Yaml))
    });
    group.bench_function("analyze_english", |b| {
        b.iter(|| ectus_spec::analyzer::analyze(black_box(PROMPT)))
    });
    group.bench_function("generate_files", |b| {
        b.iter(|| ectus_codegen::generate(black_box(&derived.spec)))
    });
    group.bench_function("analyze_and_generate", |b| {
        b.iter(|| {
            let derived = ectus_spec::analyzer::analyze(black_box(PROMPT)).expect("analyze");
            ectus_codegen::generate(&derived.spec)
        })
    });
    group.finish();
}

criterion_group!(generation, benches);
criterion_main!(generation);
