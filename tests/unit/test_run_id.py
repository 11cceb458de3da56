from kam.run_id import derive_run_id

FILES = [("orders.csv", "a" * 64), ("accounts.csv", "b" * 64)]


def test_run_id_is_stable_and_order_independent():
    config = {"month": "2026-10", "locale": "en"}
    assert derive_run_id(FILES, config) == derive_run_id(list(reversed(FILES)), dict(config))
    assert len(derive_run_id(FILES, config)) == 16


def test_run_id_changes_with_inputs_month_or_config():
    base = derive_run_id(FILES, {"month": "2026-10"})
    assert derive_run_id(FILES, {"month": "2026-09"}) != base
    assert derive_run_id([("orders.csv", "c" * 64), FILES[1]], {"month": "2026-10"}) != base
    assert derive_run_id(FILES, {"month": "2026-10", "timezone": "Asia/Shanghai"}) != base
