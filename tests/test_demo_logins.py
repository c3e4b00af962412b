"""`flask seed-demo`: every demo login reaches its role's home page."""

from school import demo
from school.accounts.views import HOME_ENDPOINTS


def test_seed_demo_command_loads_once_and_prints_the_logins(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo school loaded." in first.output
    assert demo.DEMO_PASSWORD in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output


def test_seed_demo_leaves_a_real_school_alone(app, runner, make_user):
    make_user("admin", email="real@school.test")
    result = runner.invoke(args=["seed-demo"])
    assert "was not loaded" in result.output
    with app.app_context():
        assert not demo.is_loaded()


def test_every_demo_login_reaches_its_home_page(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        from sqlalchemy import select

        from school.accounts.models import User
        from school.extensions import db

        users = {u.role: u.email for u in db.session.scalars(select(User).order_by(User.id))}
    with app.test_request_context():
        homes = {role: app.url_for(endpoint) for role, endpoint in HOME_ENDPOINTS.items()}
    assert set(users) == set(HOME_ENDPOINTS)
    for role, email in users.items():
        client = app.test_client()
        login = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert login.status_code == 302, role
        landing = client.get("/")
        assert landing.headers["Location"] == homes[role]
        assert client.get(homes[role]).status_code == 200, role
