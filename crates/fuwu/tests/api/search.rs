//! Search beyond single words: phrases, synonyms (shipped and the admins'),
//! the search page of the web UI, and two nodes on one PostgreSQL database.

use crate::both_engines;
use crate::harness::*;
use crate::knowledge::urlencode;
use fuwu_app::{App, ManualClock, Settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(list: &Value) -> Vec<i64> {
    let mut v: Vec<i64> = list.as_array().unwrap().iter().map(id).collect();
    v.sort();
    v
}

async fn new_request(t: &TestApp, org: i64, title: &str, description: &str) -> i64 {
    id(&t
        .ok(
            &t.admin_token,
            "/api/v1/requests",
            json!({"channel": "phone", "category": "fault", "impact": "partial",
        "urgency": "medium", "title": title, "description": description, "organization_id": org}),
        )
        .await)
}

async fn found(t: &TestApp, token: &str, q: &str) -> (Vec<i64>, Vec<i64>) {
    let (s, v) = t
        .get(token, &format!("/api/v1/search?q={}", urlencode(q)))
        .await;
    assert_eq!(s, StatusCode::OK, "{q}: {v}");
    (ids(&v["requests"]), ids(&v["articles"]))
}

/// A page as the holder of `token` sees it.
async fn page(t: &TestApp, token: &str, path: &str) -> String {
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

both_engines! {
    async fn quoted_words_must_be_adjacent_and_in_order_while_prefixes_keep_working(t: TestApp) {
        let (org, _) = t.organization("短语医院", "2025-06-01").await;
        let yes = new_request(&t, org, "数据库连接池超时", "HIS reports a connection pool timeout at 9:00").await;
        // Every word is here too, but apart or in another order.
        let no = new_request(&t, org, "连接池与数据库", "timeout when each connection leaves the pool").await;
        let a_yes = id(&t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "重启连接池", "solution": "在控制台重启连接池即可"})).await);
        let a_no = id(&t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "连接池无需重启", "solution": "等待即可"})).await);
        // Without quotes: both.
        assert_eq!(found(&t, &t.admin_token, "数据库 连接池").await.0, vec![yes, no]);
        assert_eq!(found(&t, &t.admin_token, "connection pool timeout").await.0, vec![yes, no]);
        // Phrases: Chinese (across the space typed), English, mixed.
        for q in ["\"数据库 连接池\"", "\"数据库连接池\"", "\"connection pool timeout\"", "\"pool timeout\" 数据库", "\"HIS reports\"", "\"池超时\""] {
            let (mut r, _) = found(&t, &t.admin_token, q).await;
            // Partial matches of several terms may follow: only the first counts.
            r.truncate(1);
            assert_eq!(r, vec![yes], "{q}");
        }
        assert_eq!(found(&t, &t.admin_token, "\"数据库 连接池\"").await.0, vec![yes], "a phrase alone: nothing else");
        assert_eq!(found(&t, &t.admin_token, "\"连接池 数据库\"").await.0, Vec::<i64>::new(), "order counts");
        assert_eq!(found(&t, &t.admin_token, "\"timeout pool\"").await.0, Vec::<i64>::new());
        assert_eq!(found(&t, &t.admin_token, "\"connection timeout\"").await.0, Vec::<i64>::new(), "adjacent words only");
        assert_eq!(found(&t, &t.admin_token, "\"重启连接池\"").await.1, vec![a_yes]);
        assert_eq!(found(&t, &t.admin_token, "重启 连接池").await.1, vec![a_yes, a_no]);
        // Prefixes, alone and beside a phrase.
        assert_eq!(found(&t, &t.admin_token, "conn*").await.0, vec![yes, no]);
        let (mut r, _) = found(&t, &t.admin_token, "\"connection pool\" tim*").await;
        r.truncate(1);
        assert_eq!(r, vec![yes]);
        // A reply lands in the index at its place in the text: phrases find it too.
        t.ok(&t.admin_token, &format!("/api/v1/requests/{no}/messages"), json!({"visibility": "public", "body": "已扩容连接池上限"})).await;
        assert_eq!(found(&t, &t.admin_token, "\"扩容连接池\"").await.0, vec![no]);
    }

    async fn synonyms_from_the_shipped_list_and_from_admins_find_each_other_without_reindexing(t: TestApp) {
        let (org, _) = t.organization("同义词单位", "2025-06-01").await;
        let (_, agent) = t.user("syn.agent", "agent", None).await;
        let down = new_request(&t, org, "HIS 应用服务器宕机", "急诊无法挂号").await;
        let slow = new_request(&t, org, "教务系统非常卡顿", "选课时转圈").await;
        let tape = new_request(&t, org, "tape drive offline", "备份失败").await;
        // Shipped groups, both ways, Chinese and English.
        for (q, want) in [("死机", down), ("服务器 down", down), ("挂了", down), ("slow", slow), ("卡顿", slow)] {
            assert_eq!(found(&t, &agent, q).await.0, vec![want], "{q}");
        }
        // Marks show the synonym that matched.
        let (_, v) = t.get(&agent, &format!("/api/v1/search?q={}", urlencode("死机"))).await;
        assert_eq!(v["requests"][0]["title"], "HIS 应用服务器<mark>宕机</mark>");
        // An admin's group: applies to the next query, no reindex.
        assert_eq!(found(&t, &agent, "磁带机").await.0, Vec::<i64>::new());
        let (s, e) = t.call(&agent, reqwest::Method::PUT, "/api/v1/search/synonyms", Some(json!({"custom": [["磁带机", "tape drive"]]}))).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        let (s, v) = t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/search/synonyms", Some(json!({"custom": [["磁带机", " tape   drive ", "磁带机"], ["LTO", "磁带"]]}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["custom"], json!([["磁带机", "tape drive"], ["LTO", "磁带"]]), "trimmed, without repeats");
        assert_eq!(found(&t, &agent, "磁带机").await.0, vec![tape]);
        // A group word of several words is a phrase: these words apart do not count.
        let apart = new_request(&t, org, "drive to the tape library", "").await;
        assert_eq!(found(&t, &agent, "磁带机").await.0, vec![tape]);
        assert!(found(&t, &agent, "drive tape").await.0.contains(&apart));
        let (s, v) = t.get(&t.admin_token, "/api/v1/search/synonyms").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["custom"][0], json!(["磁带机", "tape drive"]));
        assert!(v["shipped"].as_array().unwrap().iter().any(|g| g.as_array().unwrap().contains(&json!("宕机"))), "{v}");
        assert_eq!(t.get(&agent, "/api/v1/search/synonyms").await.0, StatusCode::FORBIDDEN);
        // Bad groups are refused whole; the stored ones stay.
        for bad in [json!({"custom": [["孤词"]]}), json!({"custom": [["a/b", "c"]]}), json!({"custom": [["，。", "x"]]})] {
            let (s, e) = t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/search/synonyms", Some(bad.clone())).await;
            assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("custom")), "{bad}: {e}");
        }
        assert_eq!(found(&t, &agent, "磁带机").await.0, vec![tape]);
        // Removing the group: gone at the next query.
        let (s, _) = t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/search/synonyms", Some(json!({"custom": []}))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(found(&t, &agent, "磁带机").await.0, Vec::<i64>::new());
    }

    async fn the_search_page_shows_marked_escaped_hits_within_reach_with_filters_and_pages(t: TestApp) {
        let (a, _) = t.organization("页面甲单位", "2025-06-01").await;
        let (b, _) = t.organization("页面乙单位", "2025-06-01").await;
        let (_, cust) = t.user("sp.cust", "customer_user", Some(a)).await;
        let (_, agent) = t.user("sp.agent", "agent", None).await;
        let ra = new_request(&t, a, "打印机卡纸无法打印", "提示 <script>alert(1)</script> 错误").await;
        t.ok(&t.admin_token, &format!("/api/v1/requests/{ra}/messages"), json!({"visibility": "internal", "body": "内部备注 HIDDENNOTE 打印机型号老旧"})).await;
        let rb = new_request(&t, b, "打印机驱动安装", "乙单位的请求").await;
        t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "打印机卡纸处理方法", "solution": "打开后盖取出纸张", "visibility": "customers", "status": "published"})).await;
        t.ok(&t.admin_token, "/api/v1/articles", json!({"title": "打印机内部维修手册", "solution": "仅限工程师", "status": "published"})).await;
        let q = urlencode("打印机");
        // The customer: own organization, public articles, no internal notes, no organization filter.
        let html = page(&t, &cust, &format!("/ui/search?q={q}")).await;
        assert!(html.contains(&format!("href=\"/ui/requests/{ra}\"")), "{html}");
        assert!(!html.contains(&format!("/ui/requests/{rb}")) && !html.contains("驱动安装"));
        assert!(html.contains("<mark>打印机</mark>卡纸处理方法"));
        assert!(!html.contains("维修手册") && !html.contains("HIDDENNOTE"));
        assert!(!html.contains("id=\"s-org\""));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"), "snippets escaped");
        let html = page(&t, &cust, "/ui/search?q=HIDDENNOTE").await;
        assert!(html.contains("id=\"search-no-requests\""), "{html}");
        // The agent: everything, and filters.
        let html = page(&t, &agent, &format!("/ui/search?q={q}")).await;
        assert!(html.contains(&format!("/ui/requests/{ra}\"")) && html.contains(&format!("/ui/requests/{rb}\"")));
        assert!(html.contains("维修手册") && html.contains("id=\"s-org\""));
        let html = page(&t, &agent, &format!("/ui/search?q={q}&org={b}")).await;
        assert!(!html.contains(&format!("/ui/requests/{ra}\"")) && html.contains(&format!("/ui/requests/{rb}\"")));
        let html = page(&t, &agent, &format!("/ui/search?q={q}&status=closed&level=5&category=training&from=2025-01-01&to=2025-01-02")).await;
        assert!(html.contains("id=\"search-no-requests\""));
        assert!(html.contains("value=\"2025-01-01\"") && html.contains("<option value=\"closed\" selected>"), "filters kept");
        // Pages of ten.
        for n in 0..12 {
            new_request(&t, a, &format!("分页巡检记录 {n}"), "").await;
        }
        let q = urlencode("分页巡检");
        let one = page(&t, &agent, &format!("/ui/search?q={q}")).await;
        assert_eq!(one.matches("class=\"hit\" data-id").count(), 10);
        assert!(one.contains(&format!("href=\"/ui/search?q={q}&amp;page=2\"")) || one.contains("id=\"search-next\""), "{one}");
        let two = page(&t, &agent, &format!("/ui/search?q={q}&page=2")).await;
        assert_eq!(two.matches("class=\"hit\" data-id").count(), 2);
        assert!(two.contains("id=\"search-prev\"") && !two.contains("id=\"search-next\""));
        // The header box is on every page, and a bad query is said, not failed.
        assert!(page(&t, &cust, "/ui/queue").await.contains("id=\"header-search\""));
        assert!(page(&t, &agent, "/ui/search?q=%2C%2C").await.contains("id=\"search-invalid\""));
        assert!(page(&t, &agent, "/ui/search").await.contains("id=\"s-q\""));
        // English texts too.
        let r = t.http.get(format!("{}/ui/search?q={q}", t.base)).bearer_auth(&agent).header("cookie", "fuwu_lang=en").send().await.unwrap();
        assert!(r.text().await.unwrap().contains("Knowledge-base articles"));
    }

    async fn two_nodes_on_one_database_find_each_others_requests_at_once_and_drain_each_entry_once(t: TestApp) {
        if t.app.db.engine() != fuwu_store::Engine::Postgres {
            return; // Several nodes share a database on PostgreSQL only.
        }
        let db2 = fuwu_store::Db::open(&t.location, T0).await.unwrap();
        let node_b = App::new(db2, Arc::new(ManualClock::at(T0)), Settings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_b = format!("http://{}", listener.local_addr().unwrap());
        let router = fuwu_web::router(node_b.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let (org, _) = t.organization("双节点单位", "2025-06-01").await;
        // Created on A, searched on B at once: B's search drains the shared queue.
        let started = Instant::now();
        let rid = new_request(&t, org, "双节点磁盘阵列告警", "").await;
        let v: Value = t.http.get(format!("{base_b}/api/v1/search?q={}", urlencode("磁盘阵列"))).bearer_auth(&t.admin_token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(ids(&v["requests"]), vec![rid], "{v}");
        assert!(started.elapsed() < Duration::from_secs(1), "found on B after {:?}", started.elapsed());
        // Many queued, both nodes draining at once, several times over: each entry indexed once, none lost.
        let mut made = Vec::new();
        for n in 0..120 {
            made.push(new_request(&t, org, &format!("并发索引 NODE{n}"), "").await);
        }
        let (a1, b1, a2, b2) = tokio::join!(t.app.drain_search_queue(), node_b.drain_search_queue(),
            t.app.drain_search_queue(), node_b.drain_search_queue());
        let written = a1.unwrap() + b1.unwrap() + a2.unwrap() + b2.unwrap();
        assert_eq!(written, made.len(), "each queued request written exactly once");
        let (queued, indexed) = t.app.db.read(|mut c| Box::pin(async move {
            let (q,): (i64,) = c.fetch_one(fuwu_store::query("select count(*) from search_queue")).await?;
            let (i,): (i64,) = c.fetch_one(fuwu_store::query("select count(*) from search_requests")).await?;
            Ok::<_, fuwu_store::StoreError>((q, i))
        })).await.unwrap();
        assert_eq!((queued, indexed), (0, made.len() as i64 + 1));
        for n in [0, 57, 119] {
            let (s, v) = t.get(&t.admin_token, &format!("/api/v1/search?q=node{n}")).await;
            assert_eq!((s, ids(&v["requests"])), (StatusCode::OK, vec![made[n]]));
        }
    }

    async fn the_newest_matches_are_found_whichever_way_the_index_is_read(t: TestApp) {
        // 6,000 requests straddling id 131,072, where PostgreSQL's index
        // changes partition: a word in every second request (its newest
        // matches are walked down the primary key), one in every 40th and
        // one in three old requests (read from GIN bitmaps, partition by
        // partition). SQLite answers the same.
        let (org, _) = t.organization("批量单位", "2025-06-01").await;
        let first: i64 = 131_072 - 3_000;
        let n: i64 = 6_000;
        let word = move |id: i64| {
            let mut w = vec!["zulu"];
            if id % 2 == 0 { w.push("alpha"); }
            if id % 40 == 0 { w.push("bravo"); }
            if [first + 1, first + 2, first + 3_500].contains(&id) { w.push("charlie"); }
            w.join(" ")
        };
        t.app.db.write(move |mut c| Box::pin(async move {
            let (admin,): (i64,) = c.fetch_one(fuwu_store::query("select min(id) from users")).await?;
            for chunk in (first..first + n).collect::<Vec<_>>().chunks(500) {
                let values: Vec<String> = chunk.iter().map(|id| format!(
                    "({id}, 'api', 'fault', 'partial', 'medium', 3, 'batch {}', '', {org}, 'l1', 'new', {admin}, {T0}, {T0})",
                    word(*id))).collect();
                c.execute(fuwu_store::query_owned(format!(
                    "insert into requests (id, channel, category, impact, urgency, level, title, description, organization_id, tier, status, created_by, created_at, updated_at) values {}",
                    values.join(", "))).unprepared()).await?;
            }
            c.execute(fuwu_store::query("insert into search_queue (request_id, queued_at) select id, $1 from requests where id >= $2")
                .bind(T0).bind(first)).await?;
            Ok::<_, fuwu_store::StoreError>(())
        })).await.unwrap();
        assert_eq!(t.app.drain_search_queue().await.unwrap(), n as usize);
        // Two connections in the pool, so that PostgreSQL's search gets a helper.
        let hold = || t.app.db.read(|_c| Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok::<_, fuwu_store::StoreError>(())
        }));
        let (a, b) = tokio::join!(hold(), hold());
        a.unwrap();
        b.unwrap();
        let postgres = t.app.db.engine() == fuwu_store::Engine::Postgres;
        // Each query twice: on one connection, and with a helper connection
        // reading the next window at the same time (PostgreSQL); both must
        // find the same.
        let search = |q: &'static str| {
            let db = t.app.db.clone();
            async move {
                let parsed = fuwu_core::search::parse_query(q).unwrap();
                let p = parsed.clone();
                let alone = db.read(move |mut c| Box::pin(async move {
                    fuwu_store::search::search_requests(&mut c, None, &p, fuwu_store::search::Matching::ALL,
                        &Default::default(), true, 5_000).await
                })).await.unwrap();
                let (paired, helped) = db.read_pair(move |mut c, mut h| Box::pin(async move {
                    let helped = h.is_some();
                    let hits = fuwu_store::search::search_requests(&mut c, h.as_mut(), &parsed,
                        fuwu_store::search::Matching::ALL, &Default::default(), true, 5_000).await?;
                    Ok::<_, fuwu_store::StoreError>((hits, helped))
                })).await.unwrap();
                assert_eq!(helped, postgres, "{q}: a helper connection on PostgreSQL only");
                let sorted = |hits: Vec<fuwu_store::search::Hit>| {
                    let mut ids: Vec<i64> = hits.into_iter().map(|h| h.0).collect();
                    ids.sort_unstable_by(|a, b| b.cmp(a));
                    ids
                };
                let (alone, paired) = (sorted(alone), sorted(paired));
                assert_eq!(alone, paired, "{q}: the same matches with a helper");
                alone
            }
        };
        let newest = |keep: &dyn Fn(i64) -> bool, cap: usize| -> Vec<i64> {
            (first..first + n).rev().filter(|id| keep(*id)).take(cap).collect()
        };
        assert_eq!(search("alpha").await, newest(&|id| id % 2 == 0, 2_000));
        assert_eq!(search("bravo").await, newest(&|id| id % 40 == 0, 2_000));
        assert_eq!(search("charlie").await, vec![first + 3_500, first + 2, first + 1]);
        assert_eq!(search("alpha bravo").await, newest(&|id| id % 40 == 0, 2_000));
        assert_eq!(search("zulu").await, newest(&|_| true, 2_000));
        assert_eq!(search("alpha charlie").await, vec![first + 3_500, first + 2]);
        if postgres {
            // The rows sit in the two partitions around id 131,072, none in the default one.
            let places: Vec<(String, i64)> = t.app.db.read(|mut c| Box::pin(async move {
                c.fetch_all(fuwu_store::query(
                    "select c.relname::text, count(*)::int8 from search_requests s join pg_class c on c.oid = s.tableoid
                     where s.request_id >= 128072 group by 1 order by 1")).await
            })).await.unwrap();
            assert_eq!(places, vec![("search_requests_p0".to_owned(), 3_000), ("search_requests_p1".to_owned(), 3_000)]);
        }
    }
}
