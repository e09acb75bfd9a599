//! Authentication: the security schemes and requirements mapped to the spec's auth mode and protected operations.

use super::*;

impl<'a> Importer<'a> {
    pub(super) fn security_schemes(&mut self) -> BTreeMap<String, SchemeKind> {
        let mut schemes = BTreeMap::new();
        let declared = self
            .root
            .get("components")
            .and_then(|c| c.get("securitySchemes"));
        for (name, scheme) in entries(declared) {
            let scheme = self.resolve(&name, scheme);
            let ty = text_of(scheme, "type").unwrap_or_default();
            let http = text_of(scheme, "scheme")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let kind = match (ty.as_str(), http.as_str()) {
                ("http", "bearer") => {
                    let format = text_of(scheme, "bearerFormat").unwrap_or_default();
                    if !format.is_empty() && !format.eq_ignore_ascii_case("jwt") {
                        self.note(
                            format!("securitySchemes.{name}"),
                            format!("bearer format {format:?} treated as JWT"),
                        );
                    }
                    SchemeKind::Jwt
                }
                ("apiKey", _) => {
                    let place = text_of(scheme, "in").unwrap_or_default();
                    let key = text_of(scheme, "name").unwrap_or_default();
                    self.note(format!("securitySchemes.{name}"), format!("cannot honour the key location ({place} {key:?}): generated services read the API key from their own header"));
                    SchemeKind::ApiKey
                }
                _ => SchemeKind::Unsupported,
            };
            schemes.insert(name, kind);
        }
        schemes
    }

    /// The schemes an operation requires; `None` when it is public.
    pub(super) fn op_security(&mut self, subject: &str, op: &Value) -> Option<BTreeSet<String>> {
        let requirements = op.get("security").or_else(|| self.root.get("security"))?;
        let list = requirements.as_sequence()?;
        if list.is_empty() {
            return None;
        }
        let mut names = BTreeSet::new();
        for requirement in list {
            let pairs = entries(Some(requirement));
            if pairs.is_empty() {
                self.note(
                    subject,
                    "security is optional ({}) for this operation; treated as public",
                );
                return None;
            }
            for (name, scopes) in pairs {
                if scopes.as_sequence().is_some_and(|s| !s.is_empty()) {
                    self.note(subject, format!("cannot honour the scopes of {name:?}: any valid credential is accepted"));
                }
                names.insert(name);
            }
        }
        Some(names)
    }

    /// The service's auth, and the documented operations outside entity operations that
    /// require credentials (by subject).
    pub(super) fn auth(&mut self, path_ops: &[PathOp<'a>]) -> (Auth, BTreeSet<String>) {
        let schemes = self.security_schemes();
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut protected: BTreeMap<Operation, BTreeSet<String>> = BTreeMap::new();
        let mut public: BTreeMap<Operation, BTreeSet<String>> = BTreeMap::new();
        for path_op in path_ops {
            let entity = self
                .by_schema
                .get(&path_op.schema)
                .map(|&i| self.drafts[i].name.clone())
                .unwrap_or_default();
            match self.op_security(&path_op.subject, path_op.value) {
                Some(names) => {
                    used.extend(names);
                    protected.entry(path_op.op).or_default().insert(entity);
                }
                None => {
                    public.entry(path_op.op).or_default().insert(entity);
                }
            }
        }
        let unserved: Vec<(String, &'a Value)> = self
            .unserved
            .iter()
            .map(|u| (u.subject.clone(), u.op))
            .collect();
        let mut protected_extensions = BTreeSet::new();
        for (subject, op) in unserved {
            if let Some(names) = self.op_security(&subject, op) {
                used.extend(names);
                protected_extensions.insert(subject);
            }
        }
        let kinds = self.used_kinds(&schemes, &used);
        let any_protected = !protected.is_empty() || !protected_extensions.is_empty();
        let mode = self.auth_mode(&kinds, any_protected);
        if mode == AuthMode::None {
            if schemes.is_empty() {
                self.note("auth", "the document declares no security; the generated service has no authentication");
            } else if !any_protected {
                self.note("auth", "no operation requires the declared security schemes; the generated service has no authentication");
            }
            return (Auth::default(), BTreeSet::new());
        }
        for (op, entities) in &protected {
            if let Some(open) = public.get(op) {
                let open: Vec<&str> = open.iter().map(String::as_str).collect();
                let closed: Vec<&str> = entities.iter().map(String::as_str).collect();
                self.note("auth", format!("cannot honour per-entity security: {} is protected for {} but public for {}; generated services protect it for every entity", op.as_str(), closed.join(", "), open.join(", ")));
            }
        }
        if self.drafts.iter().any(|d| d.path_rank.is_none()) {
            self.note(
                "auth",
                "entities reached only through $ref properties follow the same protection",
            );
        }
        let auth = Auth {
            mode,
            protect: protected.into_keys().collect(),
            identity: None,
        };
        (auth, protected_extensions)
    }

    pub(super) fn used_kinds(
        &mut self,
        schemes: &BTreeMap<String, SchemeKind>,
        used: &BTreeSet<String>,
    ) -> BTreeSet<SchemeKind> {
        let mut kinds = BTreeSet::new();
        for name in used {
            match schemes.get(name) {
                Some(SchemeKind::Unsupported) => {
                    self.note(format!("securitySchemes.{name}"), "cannot honour this security scheme: generated services support http bearer (JWT) and apiKey only");
                    kinds.insert(SchemeKind::Unsupported);
                }
                Some(kind) => {
                    kinds.insert(*kind);
                }
                None => {
                    self.note("auth", format!("cannot honour the security requirement {name:?}: no such scheme under components.securitySchemes"));
                    kinds.insert(SchemeKind::Unsupported);
                }
            }
        }
        for name in schemes.keys() {
            if !used.contains(name) {
                self.note(
                    format!("securitySchemes.{name}"),
                    "declared but not required by any imported operation",
                );
            }
        }
        kinds
    }

    pub(super) fn auth_mode(
        &mut self,
        kinds: &BTreeSet<SchemeKind>,
        any_protected: bool,
    ) -> AuthMode {
        if !any_protected {
            return AuthMode::None;
        }
        if kinds.contains(&SchemeKind::Jwt) {
            if kinds.contains(&SchemeKind::ApiKey) {
                self.note("auth", "cannot honour both bearer and apiKey schemes: one mode per service; assumed jwt");
            }
            return AuthMode::Jwt;
        }
        if kinds.contains(&SchemeKind::ApiKey) {
            return AuthMode::ApiKey;
        }
        self.note("auth", "protected operations use only unsupported schemes; assumed bearer JWT so they stay protected");
        AuthMode::Jwt
    }
}
