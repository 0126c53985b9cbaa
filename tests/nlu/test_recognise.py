import pytest

from bot.nlu.recognise import UNKNOWN_ERROR, recognise_error


@pytest.mark.parametrize(
    "text,intent",
    [
        ("it says account 1930 is not active??", "account_not_active"),
        ("Fel vid export: Verifikationsserien är inte manuell (F).", "voucher_series_not_manual"),
        ('{"error": "invalid_grant", "error_description": "Invalid refresh token"}',
         "invalid_refresh_token"),
        ('{"ErrorInformation": {"error": 1, "message": "Har inte beh\\u00f6righet f\\u00f6r scope.", '
         '"code": 2000663}}', "missing_voucher_permission"),
        ("got 2001101 when exporting", "no_active_license"),
        ("Oops, something went wrong – There is no active license for the requested scope",
         "no_active_license"),
        ("Värdet innehåller ej tillåtna tecken. (kommentar)", "invalid_characters"),
        ("FileId 99 was not connected to voucher", "receipt_not_connected"),
        ("Valt datum är i en låst period.", "period_closed"),
        ("Kunde inte hitta konto", UNKNOWN_ERROR),
        ("Ogiltig inloggning 2000310", UNKNOWN_ERROR),
        ("my exports don't work", None),
        ("how do I make an account active?", None),
        ("", None),
    ],
)
def test_recognises(text, intent):
    assert recognise_error(text) == intent
