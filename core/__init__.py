"""What every app may use: markup today; the refusal layer and event helpers as they move here."""
