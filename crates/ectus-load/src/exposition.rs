//! Reading a scrape: the Prometheus text exposition format checked line by line (every
//! sample of a family declared by `# TYPE`, names and labels well formed, values numbers),
//! the metric families the platform must expose, and the sum of one series' values.

use std::collections::BTreeSet;

/// Families a scrape must declare: HTTP, database, jobs, generations and the process.
pub const REQUIRED_FAMILIES: &[&str] = &[
    "http_server_request_duration_seconds",
    "http_server_active_requests",
    "db_client_operation_duration_seconds",
    "db_client_connections",
    "ectus_job_queue_depth",
    "ectus_job_duration_seconds",
    "ectus_generations_total",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
];

/// The count series of the HTTP duration histogram: one per method, route and status.
pub const HTTP_COUNT: &str = "http_server_request_duration_seconds_count";

/// A scrape that passed the format check.
#[derive(Debug)]
pub struct Scrape {
    families: BTreeSet<String>,
    samples: Vec<(String, f64)>,
}

impl Scrape {
    /// Checks `text` and keeps its families and samples, or says which line is wrong.
    pub fn parse(text: &str) -> Result<Scrape, String> {
        let mut families = BTreeSet::new();
        let mut samples = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let at = || format!("line {}: {line:?}", n + 1);
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.split_whitespace();
                match words.next() {
                    Some("TYPE") => {
                        let name = words
                            .next()
                            .ok_or_else(|| format!("{}: TYPE without a name", at()))?;
                        let kind = words.next().unwrap_or_default();
                        if !valid_name(name) {
                            return Err(format!("{}: bad metric name", at()));
                        }
                        if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind)
                        {
                            return Err(format!("{}: unknown type {kind:?}", at()));
                        }
                        families.insert(name.to_owned());
                    }
                    Some("HELP") | Some("EOF") | None => {}
                    Some(_) => {}
                }
                continue;
            }
            let (series, value) =
                split_sample(line).ok_or_else(|| format!("{}: not a sample", at()))?;
            let name = series.split('{').next().unwrap_or_default();
            if !valid_name(name) {
                return Err(format!("{}: bad metric name", at()));
            }
            if let Some(labels) = series.strip_prefix(name) {
                if !labels.is_empty() && !valid_labels(labels) {
                    return Err(format!("{}: bad label set", at()));
                }
            }
            let declared = families.contains(name)
                || ["_bucket", "_count", "_sum", "_total", "_created"]
                    .iter()
                    .any(|suffix| {
                        name.strip_suffix(suffix)
                            .is_some_and(|f| families.contains(f))
                    });
            if !declared {
                return Err(format!("{}: sample of a family no # TYPE declared", at()));
            }
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                "NaN" => f64::NAN,
                v => v
                    .parse()
                    .map_err(|_| format!("{}: value is not a number", at()))?,
            };
            samples.push((name.to_owned(), value));
        }
        Ok(Scrape { families, samples })
    }

    /// The required families this scrape does not declare.
    pub fn missing_families(&self) -> Vec<&'static str> {
        REQUIRED_FAMILIES
            .iter()
            .copied()
            .filter(|f| !self.families.contains(*f))
            .collect()
    }

    /// The sum of every sample named `name`, whatever its labels.
    pub fn sum(&self, name: &str) -> f64 {
        self.samples
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .sum()
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `series value [timestamp]`, where the series may hold spaces inside quoted label values.
fn split_sample(line: &str) -> Option<(&str, &str)> {
    let end = match line.find('{') {
        Some(open) => {
            let close = closing_brace(line, open)?;
            close + 1
        }
        None => line.find(' ')?,
    };
    let (series, rest) = line.split_at(end);
    let mut rest = rest.split_whitespace();
    let value = rest.next()?;
    if let Some(timestamp) = rest.next() {
        timestamp.parse::<i64>().ok()?;
    }
    rest.next().is_none().then_some((series, value))
}

/// Where the label set opened at `open` ends, skipping braces inside quoted values.
fn closing_brace(line: &str, open: usize) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in line[open..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(open + i),
            _ => {}
        }
    }
    None
}

/// `{name="value",…}` with well-formed names and quoted values.
fn valid_labels(labels: &str) -> bool {
    let Some(inner) = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')) else {
        return false;
    };
    let mut rest = inner;
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            return false;
        };
        if !valid_name(&rest[..eq]) || rest[..eq].contains(':') {
            return false;
        }
        let value = &rest[eq + 1..];
        if !value.starts_with('"') {
            return false;
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in value.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return false;
        };
        rest = &value[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_scrape_is_read_and_its_counts_summed() {
        let text = "# HELP http_server_request_duration_seconds Duration.\n\
            # TYPE http_server_request_duration_seconds histogram\n\
            http_server_request_duration_seconds_bucket{method=\"GET\",route=\"/a {b}\",le=\"+Inf\"} 3\n\
            http_server_request_duration_seconds_count{method=\"GET\",route=\"/a {b}\"} 3\n\
            http_server_request_duration_seconds_count{method=\"POST\",route=\"/a\"} 2\n\
            # TYPE process_open_fds gauge\n\
            process_open_fds 12\n";
        let scrape = Scrape::parse(text).expect("valid");
        assert_eq!(scrape.sum(HTTP_COUNT), 5.0);
        assert!(scrape
            .missing_families()
            .contains(&"db_client_operation_duration_seconds"));
        assert!(!scrape.missing_families().contains(&"process_open_fds"));
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        for (text, why) in [
            ("# TYPE a counter\na_total x\n", "value"),
            ("b_total 1\n", "no # TYPE"),
            ("# TYPE a gauge\na{x=\"1\" 1\n", "not a sample"),
            ("# TYPE a gauge\na{x=1} 1\n", "label"),
            ("# TYPE 1a gauge\n", "name"),
            ("# TYPE a gauge\na 1 2 3\n", "not a sample"),
        ] {
            let error = Scrape::parse(text).expect_err(text);
            assert!(
                error.contains(why) && error.contains("line"),
                "{text}: {error}"
            );
        }
    }
}
