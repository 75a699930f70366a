"""Access: who is calling, passwords, tokens and sign-in, lockouts, rate limits, revocations, what
staff changes revoke, and the audit log."""
