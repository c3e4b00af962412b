from tests.factories.app import login


def test_login_page_renders_in_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'<html lang="nl">' in response.data


def test_wrong_password_is_422_with_message(client, make_user):
    make_user("teacher", email="juf@school.test")
    response = client.post("/login", data={"email": "juf@school.test", "password": "wrong one here"})
    assert response.status_code == 422


def test_each_role_reaches_its_home(app, make_user):
    homes = {
        "teacher": "/contacts/log",
        "reception": "/families/",
        "care": "/follow-ups",
        "director": "/dashboard/",
        "admin": "/admin/users",
    }
    for role, path in homes.items():
        client = app.test_client()
        user_id = make_user(role)
        assert login(client, app, user_id).status_code == 302
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"] == path
        assert client.get(path).status_code == 200
