"""The gateway's signed parameters (shared/auth/policy.py): anything that is not the gateway's signature is
refused, never an error."""

from __future__ import annotations

from shared.auth.policy import sign_parameters, verify_parameters

SECRET = "dev-payment-secret"
PARAMS = {"order_id": "000.00.12.H29-261005-0001-LP-01", "amount": "200000", "result_code": "00"}


def test_the_gateways_signature_is_accepted_in_either_case():
    signature = sign_parameters(PARAMS, SECRET)
    assert verify_parameters({**PARAMS, "signature": signature}, SECRET)
    assert verify_parameters({**PARAMS, "signature": signature.upper()}, SECRET)
    assert not verify_parameters({**PARAMS, "amount": "199000", "signature": signature}, SECRET)


def test_a_signature_with_other_characters_or_a_lone_surrogate_is_refused_not_an_error():
    """Found by make fuzz: a non-ASCII signature made hmac.compare_digest raise TypeError (500)."""
    assert not verify_parameters({**PARAMS, "signature": "\t~±z\U001035b4f"}, SECRET)
    assert not verify_parameters({**PARAMS, "order_id": "\ud800", "signature": "ab" * 64}, SECRET)
    assert not verify_parameters(PARAMS, SECRET)
