//! Strategy rows against a real SQLite file: insert, update, list, duplicate, enable, soft
//! delete and restore, and that everything survives closing and reopening the database.

use keel_store::{Store, StrategyFields};

fn fields(name: &str) -> StrategyFields {
    StrategyFields {
        name: name.into(),
        description: "desc".into(),
        spec: r#"{"version":1,"name":"x"}"#.into(),
        template: Some("sma_cross".into()),
        author: "me".into(),
        category: "trend".into(),
        tags: vec!["btc".into(), "fast".into()],
    }
}

#[tokio::test]
async fn strategy_lifecycle_round_trips_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keel.db");
    let store = Store::open(&path).await.unwrap();

    let a = store.insert_strategy(&fields("Beta"), 100).await.unwrap();
    let b = store.insert_strategy(&fields("Alpha"), 101).await.unwrap();
    assert_eq!(a.id, "st000001");
    assert_eq!(b.id, "st000002");
    assert_eq!((a.created_ms, a.updated_ms), (100, 100));
    assert!(!a.enabled && a.last_activated_ms.is_none() && a.deleted_ms.is_none());
    assert_eq!(a.tags, vec!["btc".to_owned(), "fast".to_owned()]);
    assert_eq!(a.template.as_deref(), Some("sma_cross"));

    // Update bumps updated_ms only.
    let mut f = fields("Beta 2");
    f.tags = vec![];
    f.template = None;
    let u = store
        .update_strategy(&a.id, &f, 200)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.name.as_str(), u.created_ms, u.updated_ms),
        ("Beta 2", 100, 200)
    );
    assert!(u.tags.is_empty() && u.template.is_none());
    assert!(
        store
            .update_strategy("st999999", &f, 200)
            .await
            .unwrap()
            .is_none()
    );

    // Enable records the activation; disable keeps it.
    let e = store
        .set_strategy_enabled(&a.id, true, 300)
        .await
        .unwrap()
        .unwrap();
    assert!(e.enabled);
    assert_eq!(e.last_activated_ms, Some(300));
    let d = store
        .set_strategy_enabled(&a.id, false, 310)
        .await
        .unwrap()
        .unwrap();
    assert!(!d.enabled);
    assert_eq!((d.last_activated_ms, d.updated_ms), (Some(300), 310));

    // Duplicate: new id, "(copy)", disabled, never activated, optional new spec.
    store.set_strategy_enabled(&a.id, true, 320).await.unwrap();
    let c = store
        .duplicate_strategy(&a.id, Some(r#"{"renamed":true}"#), 400)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.id, "st000003");
    assert_eq!(c.name, "Beta 2 (copy)");
    assert_eq!(c.spec, r#"{"renamed":true}"#);
    assert!(!c.enabled && c.last_activated_ms.is_none());
    assert_eq!((c.created_ms, c.updated_ms), (400, 400));
    let c2 = store
        .duplicate_strategy(&b.id, None, 401)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c2.spec, b.spec);

    // Listed by name.
    let names: Vec<String> = store
        .list_strategies(false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Alpha", "Alpha (copy)", "Beta 2", "Beta 2 (copy)"]);

    // Soft delete: hidden, disabled, still readable, not editable; restore brings it back.
    assert!(store.delete_strategy(&a.id, 500).await.unwrap());
    assert!(!store.delete_strategy(&a.id, 501).await.unwrap());
    let gone = store.strategy(&a.id).await.unwrap().unwrap();
    assert_eq!(gone.deleted_ms, Some(500));
    assert!(!gone.enabled);
    assert_eq!(store.list_strategies(false).await.unwrap().len(), 3);
    assert_eq!(store.list_strategies(true).await.unwrap().len(), 4);
    assert!(
        store
            .update_strategy(&a.id, &f, 502)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .set_strategy_enabled(&a.id, true, 502)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .duplicate_strategy(&a.id, None, 502)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.restore_strategy(&a.id, 600).await.unwrap());
    assert!(!store.restore_strategy(&a.id, 601).await.unwrap());
    assert_eq!(store.list_strategies(false).await.unwrap().len(), 4);

    // Durable: reopen the file and read the same rows.
    let before = store.list_strategies(true).await.unwrap();
    store.close().await;
    drop(store);
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.list_strategies(true).await.unwrap(), before);
    let again = store.insert_strategy(&fields("Gamma"), 700).await.unwrap();
    assert_eq!(again.id, "st000005", "ids are never reused");
}
