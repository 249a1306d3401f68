"""The shell answers: health, login page in Chinese, home per role."""


def test_healthz_reports_database_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_login_page_is_chinese(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert "诚信档案与培训管理系统" in resp.get_data(as_text=True)
