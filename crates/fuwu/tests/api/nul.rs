//! The NUL character (U+0000) in any text: refused with 4xx naming the field,
//! on both engines, never a 500 (PostgreSQL cannot store it). Table-driven
//! from the OpenAPI document: every text field of every JSON body, every
//! query parameter.

use crate::both_engines;
use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `#/components/schemas/X` resolved in the document.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether a property's schema admits a text (`string`, or `[string, null]`).
fn is_text(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    let ty = &s["type"];
    ty == "string"
        || ty
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "string"))
        || s["oneOf"]
            .as_array()
            .is_some_and(|alts| alts.iter().any(|a| resolve(doc, a)["type"] == "string"))
}

/// The text properties of a body schema (its own, and those of `allOf` parts).
fn text_properties(doc: &Value, schema: &Value) -> Vec<String> {
    let s = resolve(doc, schema);
    let mut out = Vec::new();
    if let Some(props) = s["properties"].as_object() {
        for (name, p) in props {
            if is_text(doc, p) {
                out.push(name.clone());
            }
        }
    }
    for part in s["allOf"].as_array().into_iter().flatten() {
        out.extend(text_properties(doc, part));
    }
    out
}

/// `/api/v1/requests/{id}/x` with every path parameter 1.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        out.push('1');
        rest = &rest[rest[i..].find('}').map_or(rest.len(), |j| i + j + 1)..];
    }
    out.push_str(rest);
    out
}

both_engines! {
    async fn a_nul_in_any_text_field_or_query_parameter_is_a_4xx_naming_it(t: TestApp) {
        // Something for the path ids to name.
        let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
        t.request(org, "断网").await;
        let (s, doc) = t.get(&t.admin_token, "/api/v1/openapi.json").await;
        assert_eq!(s, StatusCode::OK);
        let mut tried = (0, 0);
        let mut wrong = Vec::new();
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("operations") {
                let m: Method = match method.to_uppercase().parse() {
                    Ok(m) => m,
                    Err(_) => continue,
                };
                let url = concrete(path);
                // Every text field of a JSON body.
                let schema = &op["requestBody"]["content"]["application/json"]["schema"];
                if !schema.is_null() {
                    for field in text_properties(&doc, schema) {
                        tried.0 += 1;
                        let mut body = json!({ field.as_str(): "前\u{0}后" });
                        if path == "/login" {
                            // The login use case sees the NUL (it counts the attempt): a whole body.
                            for (k, v) in [("login", "admin"), ("password", "a-long-password")] {
                                body.as_object_mut().expect("object").entry(k).or_insert(json!(v));
                            }
                        }
                        let (s, v) = t.call(&t.admin_token, m.clone(), &url, Some(body)).await;
                        let named = s == StatusCode::UNPROCESSABLE_ENTITY && v["field"] == field.as_str();
                        if !named {
                            wrong.push(format!("{method} {path} body.{field} → {s} {v}"));
                        }
                    }
                }
                // Every query parameter.
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["in"] != "query" {
                        continue;
                    }
                    let name = p["name"].as_str().expect("name");
                    tried.1 += 1;
                    let (s, v) = t.call(&t.admin_token, m.clone(), &format!("{url}?{name}=a%00b"), None).await;
                    if s != StatusCode::BAD_REQUEST || v["field"] != name {
                        wrong.push(format!("{method} {path} ?{name} → {s} {v}"));
                    }
                }
            }
        }
        assert!(tried.0 >= 60 && tried.1 >= 15, "the document was walked: {tried:?}");
        assert!(wrong.is_empty(), "{} of {tried:?} not refused by name:\n{}", wrong.len(), wrong.join("\n"));
    }

    async fn a_nul_deep_in_a_body_or_in_a_form_or_a_path_is_refused_by_name(t: TestApp) {
        let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
        let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", json!({
            "external_ref": "X-1", "organization_id": org, "channel": "phone", "category": "fault",
            "impact": "partial", "urgency": "medium", "title": "断网", "created_at": "2026-11-01T10:00:00+08:00",
            "events": [{"at": "2026-11-01T10:05:00+08:00", "type": "acknowledged"},
                       {"at": "2026-11-01T10:06:00+08:00", "type": "message", "visibility": "public", "body": "a\u{0}"}],
        })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "events[1].body");
        // An HTML form, as a page posts it.
        let (s, v) = t.call_form(&t.admin_token, "/ui/admin/organizations/new", Some(json!({"name": "a\u{0}b"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "name");
        // A path segment.
        let (s, v) = t.get(&t.admin_token, "/ui/admin/calendars/a%00b").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["field"], "path");
    }

    async fn nul_logins_are_counted_audited_and_locked_out(t: TestApp) {
        let attempt = |login: String| {
            let (http, base) = (t.http.clone(), t.base.clone());
            async move {
                let r = http
                    .post(format!("{base}/login"))
                    .json(&json!({"login": login, "password": "whatever-it-is"}))
                    .send()
                    .await
                    .expect("http");
                let s = r.status();
                (s, r.json::<Value>().await.expect("json"))
            }
        };
        for _ in 0..5 {
            let (s, v) = attempt("admin\u{0}".into()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["field"], "login");
        }
        let (s, v) = attempt("admin\u{0}".into()).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the account's lockout: {v}");
        let (s, v) = t.get(&t.admin_token, "/api/v1/audit?kind=login_failed&limit=50").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let failed = v["items"].as_array().expect("items");
        assert_eq!(failed.len(), 5, "every NUL login audited: {v}");
        let details: Value = serde_json::from_str(failed[0]["details"].as_str().expect("details")).expect("json");
        assert_eq!(details["login"], "admin\u{0}");
        assert_eq!(details["reason"], "nul_character");
        // Under other names, they count against the address as well.
        for i in 0..15 {
            let (s, _) = attempt(format!("x{i}\u{0}")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let (s, v) = attempt("somebody".into()).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the address's lockout: {v}");
    }
}

both_engines! {
    async fn a_nul_that_reaches_the_store_is_a_validation_error(t: TestApp) {
        // The guard behind the web layer's refusal: a use case called directly.
        let admin = t.app.authenticate(&t.admin_token).await.expect("admin");
        let e = t
            .app
            .create_organization(&admin, serde_json::from_value(json!({"name": "a\u{0}b", "profile": "x"})).expect("fields"))
            .await;
        match t.app.db.engine() {
            fuwu_store::Engine::Postgres => {
                let e = e.expect_err("PostgreSQL cannot store NUL");
                assert!(matches!(e, fuwu_app::AppError::Invalid { .. }), "{e:?}");
            }
            fuwu_store::Engine::Sqlite => {
                e.expect("SQLite stores it");
            }
        }
    }
}
