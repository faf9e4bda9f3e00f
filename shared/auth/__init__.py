"""Identity and policy: password hashing, signed access tokens, and the auth policy every endpoint declares."""
