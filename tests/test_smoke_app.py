from tests.conftest import Api


async def test_me_returns_the_callers_own_account(api: Api) -> None:
    data = await api.data("anna", "{ me { id displayName email } }")
    assert data["me"] == {"id": "usr_anna", "displayName": "Anna Hansen",
                          "email": "anna.hansen@example.com"}
