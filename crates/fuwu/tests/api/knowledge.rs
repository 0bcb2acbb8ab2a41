//! The knowledge base and search, as users see them over HTTP.

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(id).collect()
}

/// Take a new request through to resolved with `resolution` (as the admin).
async fn resolve(t: &TestApp, rid: i64, resolution: &str) {
    let (_, me) = t.get(&t.admin_token, "/api/v1/me").await;
    let me = me["user"]["id"].as_i64().unwrap();
    t.hand_to(rid, "l2", me).await;
    let p = |a: &str| format!("/api/v1/requests/{rid}/{a}");
    t.ok(
        &t.admin_token,
        &p("respond"),
        json!({"mode": "remote", "plan": "远程排查"}),
    )
    .await;
    t.ok(
        &t.admin_token,
        &p("resolve"),
        json!({"resolution": resolution}),
    )
    .await;
}

both_engines! {
    async fn staff_write_articles_with_versions_and_customers_read_only_published_public_ones(t: TestApp) {
        let (org, _) = t.organization("知识库医院", "2025-06-01").await;
        let (_, agent) = t.user("kb.agent", "agent", None).await;
        let (_, cust) = t.user("kb.cust", "customer_user", Some(org)).await;
        let (_, vendor) = t.user("kb.vendor", "third_party", None).await;
        let a = t.ok(&agent, "/api/v1/articles", json!({
            "title": "Oracle 归档日志满导致数据库挂起", "symptom": "业务系统卡死，数据库无法连接",
            "cause": "归档日志目录空间耗尽", "solution": "清理归档日志并扩容磁盘", "category": "数据库",
            "tags": ["oracle", "归档", "oracle"], "related_systems": ["HIS 系统"], "visibility": "customers"})).await;
        assert_eq!((a["status"].as_str(), a["version"].as_i64()), (Some("draft"), Some(1)));
        assert_eq!(a["tags"], json!(["oracle", "归档"]), "tags are a list without repeats");
        let aid = id(&a);
        // A draft is the staff's alone.
        assert_eq!(t.get(&cust, &format!("/api/v1/articles/{aid}")).await.0, StatusCode::NOT_FOUND);
        let (_, list) = t.get(&cust, "/api/v1/articles").await;
        assert_eq!(ids(&list["items"]), Vec::<i64>::new());
        // Customers may not write.
        let (s, e) = t.post(&cust, "/api/v1/articles", json!({"title": "x"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        let (s, e) = t.post(&agent, "/api/v1/articles", json!({"title": " ", "visibility": "customers"})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("title")));
        let (s, e) = t.post(&agent, "/api/v1/articles", json!({"title": "x", "visibility": "public"})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("visibility")));

        // Publish: version 2, version 1 kept; a stale version changes nothing.
        let (s, p) = t.patch(&agent, &format!("/api/v1/articles/{aid}"), json!({"version": 1, "status": "published", "solution": "清理归档日志，扩容归档目录"})).await;
        assert_eq!((s, p["version"].as_i64()), (StatusCode::OK, Some(2)), "{p}");
        let (s, e) = t.patch(&agent, &format!("/api/v1/articles/{aid}"), json!({"version": 1, "title": "旧"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "version_conflict"));
        let (s, v) = t.get(&agent, &format!("/api/v1/articles/{aid}/versions")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!((v[0]["version"].as_i64(), v[0]["status"].as_str(), v[0]["solution"].as_str()), (Some(1), Some("draft"), Some("清理归档日志并扩容磁盘")));
        assert_eq!(t.get(&cust, &format!("/api/v1/articles/{aid}/versions")).await.0, StatusCode::FORBIDDEN);

        // Published for customers: customers and third parties read it.
        for who in [&cust, &vendor] {
            let (s, r) = t.get(who, &format!("/api/v1/articles/{aid}")).await;
            assert_eq!((s, r["title"].as_str()), (StatusCode::OK, Some("Oracle 归档日志满导致数据库挂起")));
        }
        // An internal article stays hidden from them.
        let i = t.ok(&agent, "/api/v1/articles", json!({"title": "内部：存储厂商400电话", "symptom": "存储告警", "status": "published"})).await;
        assert_eq!(i["visibility"], "internal");
        assert_eq!(t.get(&cust, &format!("/api/v1/articles/{}", id(&i))).await.0, StatusCode::NOT_FOUND);
        let (_, list) = t.get(&cust, "/api/v1/articles").await;
        assert_eq!(ids(&list["items"]), vec![aid]);
        let (_, list) = t.get(&agent, "/api/v1/articles").await;
        assert_eq!(ids(&list["items"]), vec![id(&i), aid]);

        // Audit entries for creation and change.
        let (_, audit) = t.get(&t.admin_token, &format!("/api/v1/audit?object_type=article&object_id={aid}")).await;
        let kinds: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"article_created") && kinds.contains(&"article_updated"), "{audit}");
    }

    async fn a_resolved_request_becomes_a_linked_draft_article_in_one_call(t: TestApp) {
        let (org, _) = t.organization("草稿单位", "2025-06-01").await;
        let (_, agent) = t.user("draft.agent", "agent", None).await;
        let (_, cust) = t.user("draft.cust", "customer_user", Some(org)).await;
        let sys = id(&t.ok(&t.admin_token, "/api/v1/systems", json!({"organization_id": org, "name": "医保结算系统", "kind": "software"})).await);
        let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
            "title": "医保结算接口超时", "description": "门诊收费时医保结算接口返回超时", "organization_id": org, "system_id": sys})).await;
        let rid = id(&r);
        let (s, e) = t.post(&agent, &format!("/api/v1/requests/{rid}/article"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "conflict"), "not resolved yet: {e}");
        resolve(&t, rid, "前置机证书过期，更新证书后恢复").await;
        // The resolution (written by a lifecycle step) is searchable at once.
        let (_, v) = t.get(&t.admin_token, "/api/v1/search?q=%E5%89%8D%E7%BD%AE%E6%9C%BA&type=request").await; // 前置机
        assert_eq!(ids(&v["requests"]), vec![rid], "{v}");
        let (s, e) = t.post(&cust, &format!("/api/v1/requests/{rid}/article"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        assert_eq!(t.post(&agent, "/api/v1/requests/999999/article", json!({})).await.0, StatusCode::NOT_FOUND);
        let (s, a) = t.post(&agent, &format!("/api/v1/requests/{rid}/article"), json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(a["title"], "医保结算接口超时");
        assert_eq!(a["symptom"], "门诊收费时医保结算接口返回超时");
        assert_eq!(a["solution"], "前置机证书过期，更新证书后恢复");
        assert_eq!((a["status"].as_str(), a["visibility"].as_str()), (Some("draft"), Some("internal")));
        assert_eq!(a["related_systems"], json!(["医保结算系统"]));
        assert_eq!((a["source_request_id"].as_i64(), a["request_ids"].clone()), (Some(rid), json!([rid])));

        // The first line answers another request from that article: linked, and in its history.
        let other = id(&t.request(org, "医保结算又超时").await);
        let aid = id(&a);
        let (s, e) = t.post(&cust, &format!("/api/v1/requests/{other}/answered-by"), json!({"article_id": aid})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        let (s, e) = t.post(&agent, &format!("/api/v1/requests/{other}/answered-by"), json!({"article_id": 999_999})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("article_id")));
        let (s, linked) = t.post(&agent, &format!("/api/v1/requests/{other}/answered-by"), json!({"article_id": aid})).await;
        assert_eq!((s, linked["request_ids"].clone()), (StatusCode::OK, json!([rid, other])), "{linked}");
        let (_, tl) = t.get(&agent, &format!("/api/v1/requests/{other}/timeline")).await;
        assert!(tl.to_string().contains("answered_from_article"), "{tl}");
    }

    async fn search_finds_chinese_words_characters_and_english_within_what_the_searcher_may_see(t: TestApp) {
        let (a, _) = t.organization("甲医院", "2025-06-01").await;
        let (b, _) = t.organization("乙学校", "2025-06-01").await;
        let (_, cust) = t.user("s.cust", "customer_user", Some(a)).await;
        let ra = id(&t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
            "title": "数据库连接池耗尽", "description": "HIS servers report <b>ORA-12519</b> errors", "organization_id": a})).await);
        let rb = id(&t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
            "title": "教务系统数据库无法登录", "description": "VPN 连接后数据库登录失败", "organization_id": b})).await);
        t.ok(&t.admin_token, &format!("/api/v1/requests/{ra}/messages"), json!({"visibility": "internal", "body": "怀疑是连接泄漏 SECRETLEAK"})).await;
        t.ok(&t.admin_token, &format!("/api/v1/requests/{ra}/messages"), json!({"visibility": "public", "body": "已安排工程师远程处理 firewall"})).await;
        let search = |tok: &str, q: &str| { let tok = tok.to_owned(); let q = q.to_owned(); let t = &t; async move {
            let (s, v) = t.get(&tok, &format!("/api/v1/search?q={}", urlencode(&q))).await;
            assert_eq!(s, StatusCode::OK, "{q}: {v}");
            v
        }};
        // Words, single characters, partial words, English stems, mixed: the
        // requests with every word come first (any further ones match only some).
        for (q, want) in [
            ("数据库", vec![rb, ra]),
            ("库", vec![rb, ra]),
            ("据库", vec![rb, ra]),
            ("连接池", vec![ra]),
            ("server", vec![ra]),
            ("ORA-12519", vec![ra]),
            ("vpn 登录", vec![rb]),
            ("firewal*", vec![ra]),
            ("数据库 HIS", vec![ra]),
        ] {
            let v = search(&t.admin_token, q).await;
            let got = ids(&v["requests"]);
            let mut first: Vec<i64> = got.iter().copied().take(want.len()).collect();
            first.sort();
            let mut want = want.clone();
            want.sort();
            assert_eq!(first, want, "{q}: {v}");
        }
        // Single words have no partial matches: nothing else comes back.
        assert_eq!(ids(&search(&t.admin_token, "连接池").await["requests"]), vec![ra]);
        assert_eq!(ids(&search(&t.admin_token, "打印机").await["requests"]), Vec::<i64>::new());
        // Partial matches rank after the full one.
        assert_eq!(ids(&search(&t.admin_token, "数据库 HIS").await["requests"]), vec![ra, rb]);
        // Internal notes: staff find them, customers do not.
        assert_eq!(ids(&search(&t.admin_token, "SECRETLEAK").await["requests"]), vec![ra]);
        let v = search(&cust, "SECRETLEAK").await;
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new());
        // Customers see only their organization's requests, even when asking for another.
        let v = search(&cust, "数据库").await;
        assert_eq!(ids(&v["requests"]), vec![ra]);
        let (_, v) = t.get(&cust, &format!("/api/v1/search?q=%E6%95%B0%E6%8D%AE%E5%BA%93&organization_id={b}")).await;
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new());
        assert!(!v.to_string().contains("教务"), "{v}");
        // Filters.
        let (_, v) = t.get(&t.admin_token, &format!("/api/v1/search?q=%E6%95%B0%E6%8D%AE%E5%BA%93&type=request&organization_id={b}")).await;
        assert_eq!(ids(&v["requests"]), vec![rb]);
        let (_, v) = t.get(&t.admin_token, "/api/v1/search?q=%E6%95%B0%E6%8D%AE%E5%BA%93&status=closed").await;
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new());
        let (_, v) = t.get(&t.admin_token, "/api/v1/search?q=%E6%95%B0%E6%8D%AE%E5%BA%93&from=2100-01-01T00:00:00Z").await;
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new());
        // Snippets mark the words and escape the rest.
        let v = search(&t.admin_token, "ORA").await;
        let snip = v["requests"][0]["snippet"].as_str().unwrap();
        assert!(snip.contains("&lt;b&gt;<mark>ORA</mark>-12519&lt;/b&gt;"), "{snip}");
        let title = search(&t.admin_token, "连接池").await["requests"][0]["title"].as_str().unwrap().to_owned();
        assert_eq!(title, "数据库<mark>连接池</mark>耗尽");
        // Bad input.
        let (s, e) = t.get(&t.admin_token, "/api/v1/search?q=%20%2C%2C").await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
        let (s, e) = t.get(&t.admin_token, &format!("/api/v1/search?q={}", "a".repeat(501))).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
        let (s, _) = t.get(&t.admin_token, "/api/v1/search?q=x&type=ticket").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }

    async fn a_change_is_searchable_as_soon_as_it_is_committed_and_reindex_rebuilds_the_same_answers(t: TestApp) {
        let (org, _) = t.organization("即时单位", "2025-06-01").await;
        let rid = id(&t.request(org, "打印机卡纸").await);
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E7%A1%92%E9%BC%93").await.1; // 硒鼓
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new());
        t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/messages"), json!({"visibility": "public", "body": "更换硒鼓后正常"})).await;
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E7%A1%92%E9%BC%93").await.1;
        assert_eq!(ids(&v["requests"]), vec![rid], "the reply is found right after it was written");
        let version = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}")).await.1["version"].clone();
        let (s, r) = t.patch(&t.admin_token, &format!("/api/v1/requests/{rid}"), json!({"version": version, "title": "复印机卡纸"})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E6%89%93%E5%8D%B0%E6%9C%BA").await.1; // 打印机
        assert_eq!(ids(&v["requests"]), Vec::<i64>::new(), "the old title is gone from the index");
        let a = id(&t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "复印机卡纸处理", "solution": "打开后盖取出纸张", "visibility": "customers", "status": "published"})).await);
        let done = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let d2 = done.clone();
        let counts = t.app.reindex(move |d, n| d2.lock().unwrap().push((d, n))).await.unwrap();
        assert_eq!(counts, (1, 1));
        assert_eq!(done.lock().unwrap().last(), Some(&(2, 2)));
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E5%A4%8D%E5%8D%B0%E6%9C%BA").await.1; // 复印机
        assert_eq!((ids(&v["requests"]), ids(&v["articles"])), (vec![rid], vec![a]));
    }

    async fn new_requests_are_indexed_from_a_queue_that_a_search_drains_first(t: TestApp) {
        use fuwu_store::search as idx;
        let queued = |t: &TestApp| {
            let app = t.app.clone();
            async move {
                app.db
                    .read(|mut c| Box::pin(async move { c.fetch_all::<(i64, i64)>(fuwu_store::query("select request_id, queued_at from search_queue order by request_id")).await }))
                    .await
                    .unwrap()
            }
        };
        let (org, _) = t.organization("排队单位", "2025-06-01").await;
        let rid = id(&t.request(org, "磁带库报警").await);
        assert_eq!(queued(&t).await.iter().map(|q| q.0).collect::<Vec<_>>(), vec![rid], "a create only queues");
        // A search drains the queue first: what was just created is found.
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E7%A3%81%E5%B8%A6%E5%BA%93").await.1; // 磁带库
        assert_eq!(ids(&v["requests"]), vec![rid]);
        assert!(queued(&t).await.is_empty());
        // Queued again after a drain read it: the older read must not remove the newer entry.
        let db = t.app.db.clone();
        db.write(move |mut c| Box::pin(async move { idx::enqueue_request(&mut c, rid, 1).await })).await.unwrap();
        let read = db.read(|mut c| Box::pin(async move { idx::queued_requests(&mut c, 10).await })).await.unwrap();
        assert_eq!(read.len(), 1);
        let read: Vec<_> = read.iter().map(|q| (q.id, q.seq, q.tokens())).collect();
        // In the same millisecond: the entry's seq, not its time, tells them apart.
        db.write(move |mut c| Box::pin(async move { idx::enqueue_request(&mut c, rid, 1).await })).await.unwrap();
        db.write(move |mut c| Box::pin(async move { idx::store_drained(&mut c, &read).await })).await.unwrap();
        assert_eq!(queued(&t).await, vec![(rid, 1)]);
        assert_eq!(t.app.drain_search_queue().await.unwrap(), 1);
        assert!(queued(&t).await.is_empty());
    }

    // A drain of more than one batch (2,000) writes each batch while it reads
    // and tokenizes the next: every queued request ends up indexed once and
    // the queue empty.
    async fn a_drain_of_several_batches_indexes_every_queued_request(t: TestApp) {
        let (org, _) = t.organization("批量索引单位", "2025-06-01").await;
        let first = id(&t.request(org, "磁带库报警").await);
        let db = t.app.db.clone();
        // 4,499 copies of the request, queued out of id order, so the drain
        // needs three batches and goes on from (queued_at, id) places.
        let copies: i64 = 4_499;
        db.write(move |mut c| {
            Box::pin(async move {
                let cols = "channel, category, impact, urgency, level, title, description, organization_id, tier, status, billable, created_by, created_at, updated_at, version";
                for _ in 0..copies {
                    c.execute(fuwu_store::query_owned(format!(
                        "insert into requests ({cols}) select {cols} from requests where id = $1"
                    )).bind(first)).await?;
                }
                c.execute(fuwu_store::query(
                    "insert into search_queue (request_id, queued_at) select id, 1000 + (id * 7919) % 5000 from requests where true
                     on conflict (request_id) do update set queued_at = excluded.queued_at",
                )).await?;
                Ok::<_, fuwu_store::StoreError>(())
            })
        })
        .await
        .unwrap();
        let written = t.app.drain_search_queue().await.unwrap();
        assert_eq!(written as i64, copies + 1);
        let counts = db
            .read(|mut c| {
                Box::pin(async move {
                    let queued: (i64,) = c.fetch_one(fuwu_store::query("select count(*) from search_queue")).await?;
                    let indexed: (i64,) = c.fetch_one(fuwu_store::query("select count(*) from search_requests")).await?;
                    Ok::<_, fuwu_store::StoreError>((queued.0, indexed.0))
                })
            })
            .await
            .unwrap();
        assert_eq!(counts, (0, copies + 1));
        let v = t.get(&t.admin_token, "/api/v1/search?q=%E7%A3%81%E5%B8%A6%E5%BA%93&limit=5").await.1; // 磁带库
        assert_eq!(ids(&v["requests"]).len(), 5);
    }

    async fn suggestions_offer_articles_and_similar_past_requests_for_a_draft(t: TestApp) {
        let (org, _) = t.organization("建议单位", "2025-06-01").await;
        let (_, cust) = t.user("sg.cust", "customer_user", Some(org)).await;
        let public = id(&t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "VPN 客户端无法连接", "symptom": "提示证书过期", "solution": "重新下载证书", "visibility": "customers", "status": "published"})).await);
        let internal = id(&t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "VPN 网关重启步骤", "solution": "登录网关", "status": "published"})).await);
        t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "打印机驱动安装", "status": "published", "visibility": "customers"})).await;
        let past = id(&t.request(org, "VPN 证书过期无法连接").await);
        let (s, v) = t.get(&cust, &format!("/api/v1/search/suggest?text={}", urlencode("今天早上 VPN 连不上了，说证书过期"))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(ids(&v["articles"]), vec![public], "customers get public articles only");
        assert_eq!(ids(&v["requests"]), vec![past]);
        let (_, v) = t.get(&t.admin_token, &format!("/api/v1/search/suggest?text={}", urlencode("VPN 证书过期"))).await;
        assert_eq!(ids(&v["articles"])[0], public, "the article sharing most words comes first: {v}");
        assert!(ids(&v["articles"]).contains(&internal));
        let (_, v) = t.get(&t.admin_token, "/api/v1/search/suggest?text=%20").await;
        assert_eq!((ids(&v["articles"]), ids(&v["requests"])), (vec![], vec![]));
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
