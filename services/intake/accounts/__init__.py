"""Accounts of applicants and officers, and the token endpoint every other service trusts."""
